// The commands of the `copilot-gateway` binary, run instead of the server
// when argv starts with one of them: the operator's `keys …`, `usage …`,
// `tool-calls …`, `audit …` and `people …`, on the database directly (no running gateway
// needed), and a person's `login` and `setup`, which talk to a running gateway.
import { runAuditCommand } from "./audit-command.js";
import { CliError } from "./cli-error.js";
import type { CliEnv, CliIo } from "./command-line.js";
import { runKeysCommand } from "./keys-command.js";
import { runLoginCommand } from "./login-command.js";
import { runPeopleCommand } from "./people-command.js";
import { runSetupCommand } from "./setup-command.js";
import { runToolCallsCommand } from "./tool-calls-command.js";
import { runUsageCommand } from "./usage-command.js";

export type { CliEnv, CliIo } from "./command-line.js";

const COMMANDS = ["keys", "usage", "tool-calls", "audit", "people", "login", "setup"] as const;

/** True when argv (without node and the script) names a CLI command rather than server options. */
export function isCliCommand(argv: readonly string[]): boolean {
  return (COMMANDS as readonly string[]).includes(argv[0] ?? "");
}

/**
 * Runs one command; resolves to the process exit code: 0 done, 2 a bad command
 * line (the message names the flag), 1 anything else (no such key, the database).
 * Writes only through `io`; never prints a secret except a new key's, once.
 */
export async function runCli(argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  const subcommand = (command === "keys" || command === "people") && args[0] !== undefined && !args[0].startsWith("-") ? ` ${args[0]}` : "";
  try {
    if (command === "keys") return await runKeysCommand(args, env, io);
    if (command === "usage") return await runUsageCommand(args, env, io);
    if (command === "tool-calls") return await runToolCallsCommand(args, env, io);
    if (command === "audit") return await runAuditCommand(args, env, io);
    if (command === "people") return await runPeopleCommand(args, env, io);
    if (command === "login") return await runLoginCommand(args, env, io);
    if (command === "setup") return await runSetupCommand(args, env, io);
    throw new CliError(`unknown command ${JSON.stringify(command ?? "")}; use one of ${COMMANDS.join(", ")}`, 2);
  } catch (error) {
    const code = error instanceof CliError ? error.exitCode : 1;
    const message = error instanceof Error ? error.message : String(error);
    io.err(`copilot-gateway ${command ?? ""}${subcommand}: ${message}\n`);
    return code;
  }
}
