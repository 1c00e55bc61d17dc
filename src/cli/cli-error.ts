// What a CLI command fails with: a message for stderr and the exit code the
// process ends with — 2 for a bad command line (the message names the flag),
// 1 for anything else (no such key, a database that does not open).
import { FilterQueryError } from "../access/filter-text.js";

export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, 2);
}

/** The report filter `parse` reads from the flags; a bad parameter is a usage error naming its flag (`flagOf` the parameter). */
export function filterFromFlags<T>(parse: () => T, flagOf: (param: string) => string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof FilterQueryError) throw usageError(`${flagOf(error.param)}: ${error.message}`);
    throw error;
  }
}
