// `copilot-gateway tool-calls`: the tool-call audit of GET /admin/tool-calls,
// read straight from the database, newest first, as a table, CSV or the API's JSON.
import { parseToolCallFilter, toolCallList, toolCallsCsv } from "../tools/tool-call-report.js";
import { filterFromFlags, usageError } from "./cli-error.js";
import { COMMON_HELP, COMMON_OPTIONS, parseFlags, printJson, type CliEnv, type CliIo } from "./command-line.js";
import { DATABASE_HELP, openStores } from "./open-stores.js";
import { toolCallsTable } from "./text-output.js";

const TOOL_CALLS_OPTIONS = {
  ...COMMON_OPTIONS,
  from: { type: "string" },
  to: { type: "string" },
  caller: { type: "string" },
  server: { type: "string" },
  limit: { type: "string" },
  csv: { type: "boolean" },
} as const;

export const TOOL_CALLS_HELP = [
  "Usage: copilot-gateway tool-calls [--from <when>] [--to <when>] [--caller <caller>] [--server <name>] [--limit <n>] [--csv | --json]",
  "",
  "The company's tools (MCP servers) the gateway ran for its callers, newest first.",
  "",
  "Options:",
  "  --from <when>            From this moment on: an ISO datetime with offset, YYYY-MM-DD (UTC midnight) or epoch ms.",
  "  --to <when>              Up to this moment, exclusive; same forms.",
  "  --caller <caller>        Only this caller: a key id, a GitHub login, static:… or anonymous.",
  "  --server <name>          Only calls to this MCP server.",
  "  --limit <n>              At most this many, 1 to 1000; default 100.",
  "  --csv                    Print CSV (RFC 4180), as GET /admin/tool-calls?format=csv.",
  ...COMMON_HELP,
  "",
  ...DATABASE_HELP,
].join("\n");

export async function runToolCallsCommand(argv: string[], env: CliEnv, io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, TOOL_CALLS_OPTIONS);
  if (values.help) {
    io.out(`${TOOL_CALLS_HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.csv && values.json) throw usageError("--csv and --json cannot be used together");
  // The flags are named as the query parameters are.
  const filter = filterFromFlags(() => parseToolCallFilter(values), (param) => `--${param}`);
  const stores = await openStores(values, env);
  try {
    const calls = await stores.toolCalls.list(filter);
    if (values.json) printJson(io, toolCallList(calls));
    else if (values.csv) io.out(toolCallsCsv(calls));
    else io.out(`${toolCallsTable(calls)}\n`);
    return 0;
  } finally {
    await stores.close();
  }
}
