// What a CLI command fails with: a message for stderr and the exit code the
// process ends with — 2 for a bad command line (the message names the flag),
// 1 for anything else (no such key, a database that does not open).
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
