// `copilot-gateway setup claude-code|codex|opencode`: writes the gateway's
// address and the personal key `login` kept into that tool's own config,
// where the tool reads it, and prints what it changed.
import { CliError, usageError } from "./cli-error.js";
import { parseFlags, type CliEnv, type CliIo } from "./command-line.js";
import { loadCredentials } from "./credentials.js";
import { setUpClaudeCode, setUpCodex, setUpOpencode, TOOLS, type Tool, type ToolSetup } from "./tool-configs.js";

const OPTIONS = { help: { type: "boolean", short: "h" } } as const;

export const SETUP_HELP = [
  `Usage: copilot-gateway setup ${TOOLS.join("|")}`,
  "",
  "Writes the gateway's address and your personal key (from copilot-gateway login)",
  "into the tool's config: Claude Code's ~/.claude/settings.json, Codex's",
  "~/.codex/config.toml, opencode's ~/.config/opencode/opencode.json.",
].join("\n");

export async function runSetupCommand(args: string[], env: CliEnv, io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, OPTIONS);
  if (values.help) {
    io.out(`${SETUP_HELP}\n`);
    return 0;
  }
  const tool = positionals[0];
  if (!tool || !(TOOLS as readonly string[]).includes(tool)) throw usageError(`name a tool: copilot-gateway setup ${TOOLS.join("|")}`);
  if (positionals.length > 1) throw usageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  const credentials = await loadCredentials(env);
  const done = await setUp(tool as Tool, env, credentials);
  io.out(`Updated ${done.path}:\n${done.changes.map((change) => `  ${change}\n`).join("")}`);
  return 0;
}

async function setUp(tool: Tool, env: CliEnv, credentials: Awaited<ReturnType<typeof loadCredentials>>): Promise<ToolSetup> {
  if (tool === "claude-code") return setUpClaudeCode(env, credentials);
  if (tool === "codex") return setUpCodex(env, credentials);
  return setUpOpencode(env, credentials, await modelsOf(credentials));
}

/** The models the key may use, as the gateway lists them: opencode offers only those its config names. */
async function modelsOf(credentials: { url: string; key: string }): Promise<string[]> {
  let response: Response;
  try {
    response = await fetch(`${credentials.url}/v1/models`, { headers: { authorization: `Bearer ${credentials.key}` }, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new CliError(`the gateway at ${credentials.url} could not be reached for its models: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
  const body = (await response.json().catch(() => ({}))) as { data?: Array<{ id: string }>; error?: { message?: string } };
  if (!response.ok || !body.data) throw new CliError(`the gateway did not list your models (${response.status}): ${body.error?.message ?? "no answer"}`, 1);
  return body.data.map((model) => model.id);
}
