// The gateway's log: one JSON object a line, through pino, the structured
// logger of the Node field. Redaction is a second line of defence: callers
// pass only what is safe to log, and any field named like a secret or like
// message text is censored before it is written, wherever it is nested.
import { pino } from "pino";
import type { Logger, LogLevel } from "../http/logger.js";

const REDACTED_FIELDS = [
  "authorization",
  "apiKey",
  "api_key",
  "token",
  "gitHubToken",
  "githubToken",
  "secret",
  "password",
  "databaseUrl",
  "messages",
  "content",
  "prompt",
  "instructions",
  "input",
];
const REDACT_PATHS = REDACTED_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]).concat([
  'headers["x-api-key"]',
  'headers["api-key"]',
  'headers["authorization"]',
]);

/** A logger writing one JSON line per record to `write` (a line without its newline). */
export function createLogger(level: LogLevel, write: (line: string) => void): Logger {
  const log = pino(
    {
      level,
      base: { service: "copilot-gateway" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    { write: (line: string) => write(line.endsWith("\n") ? line.slice(0, -1) : line) },
  );
  return {
    error: (message, fields) => log.error(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    debug: (message, fields) => log.debug(fields ?? {}, message),
  };
}
