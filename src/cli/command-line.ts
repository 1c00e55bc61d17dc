// What every CLI command shares: where its text goes, the options all take
// (database, --json, --help), and parsing argv into flags with node:util.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { usageError } from "./cli-error.js";
import { DATABASE_OPTIONS } from "./open-stores.js";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export type CliEnv = Readonly<Record<string, string | undefined>>;

export const COMMON_OPTIONS = {
  ...DATABASE_OPTIONS,
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const COMMON_HELP = ["  --json                   Print the admin API's JSON instead of text.", "  -h, --help               Show this text."];

/** Flags and positionals; a mistake (unknown flag, missing value) is a usage error naming it. */
export function parseFlags<Options extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: Options) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util's messages name the flag ("Unknown option '--nmae'"); its advice about '--' is noise here.
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, "") : String(error);
    throw usageError(message);
  }
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
