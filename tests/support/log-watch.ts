// Every log line a test gateway writes passes through here, whoever else
// reads it, so the whole suite can be checked for secrets: no key, token or
// provider credential the tests use may ever reach a log line.
const lines: string[] = [];

/** The secrets the suite hands the gateway (and patterns of the ones it makes). */
const SECRETS: ReadonlyArray<string | RegExp> = [
  "upstream-secret-key",
  "provider-secret-value",
  "static-key-for-tests",
  "runtime-connection-secret",
  /sk-cgw-[A-Za-z0-9_-]{20,}/,
  /gho_[A-Za-z0-9]{10,}/,
  // GitHub App user and refresh tokens (sign-in), and the scripted app's secret.
  /ghu_[A-Za-z0-9]{10,}/,
  /ghr_[A-Za-z0-9]{10,}/,
  "scripted-client-secret",
  /Bearer\s+\S+/i,
];

export function watchLogLine(line: string): void {
  lines.push(line);
}

/** Lines holding a secret since the last call (and forgets the lines read). */
export function takeSecretLeaks(): string[] {
  const leaks = lines.filter((line) => SECRETS.some((secret) => (typeof secret === "string" ? line.includes(secret) : secret.test(line))));
  lines.length = 0;
  return leaks;
}
