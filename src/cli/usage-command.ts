// `copilot-gateway usage`: the usage report of GET /admin/usage, read straight
// from the database, as a table, CSV or the API's JSON.
import { parseUsageQuery, usageCsv, usageReport, type UsageParam } from "../access/usage-report.js";
import { filterFromFlags, usageError } from "./cli-error.js";
import { COMMON_HELP, COMMON_OPTIONS, parseFlags, printJson, type CliEnv, type CliIo } from "./command-line.js";
import { DATABASE_HELP, openStores } from "./open-stores.js";
import { usageTable } from "./text-output.js";

const USAGE_OPTIONS = {
  ...COMMON_OPTIONS,
  "group-by": { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  csv: { type: "boolean" },
} as const;

const FLAG_OF_PARAM = { group_by: "--group-by", from: "--from", to: "--to" } as const;

export const USAGE_HELP = [
  "Usage: copilot-gateway usage [--group-by key,model] [--from <when>] [--to <when>] [--csv | --json]",
  "",
  "What the gateway's turns used: requests, errors, tokens, cost and credits.",
  "",
  "Options:",
  "  --group-by <a,b,...>     Any of key, owner, model, dialect, status, error, day, hour; default: one total.",
  "  --from <when>            From this moment on: an ISO datetime with offset, or YYYY-MM-DD (UTC midnight).",
  "  --to <when>              Up to this moment, exclusive; same forms.",
  "  --csv                    Print CSV (RFC 4180), as GET /admin/usage?format=csv.",
  ...COMMON_HELP,
  "",
  ...DATABASE_HELP,
].join("\n");

export async function runUsageCommand(argv: string[], env: CliEnv, io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, USAGE_OPTIONS);
  if (values.help) {
    io.out(`${USAGE_HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.csv && values.json) throw usageError("--csv and --json cannot be used together");
  const query = filterFromFlags(() => parseUsageQuery({ groupBy: values["group-by"], from: values.from, to: values.to }), (param) => FLAG_OF_PARAM[param as UsageParam]);
  const stores = await openStores(values, env);
  try {
    const rows = await stores.usage.report(query);
    if (values.json) printJson(io, usageReport(query, rows));
    else if (values.csv) io.out(usageCsv(query.groupBy, rows));
    else io.out(`${usageTable(query, rows)}\n`);
    return 0;
  } finally {
    await stores.close();
  }
}
