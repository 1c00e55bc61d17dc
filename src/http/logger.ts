// A levelled logger writing one line per record. Callers pass only what is
// safe to log: never keys, tokens or message content.
import { isUnexpected, type GatewayError } from "./errors.js";

export type LogLevel = "error" | "warn" | "info" | "debug";

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function createLogger(level: LogLevel, write: (line: string) => void): Logger {
  const log = (at: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (RANK[at] > RANK[level]) return;
    const extra = fields ? ` ${Object.entries(fields).map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(" ")}` : "";
    write(`${new Date().toISOString()} ${at} ${message}${extra}`);
  };
  return { error: log("error"), warn: log("warn"), info: log("info"), debug: log("debug") };
}

export const silentLogger: Logger = createLogger("error", () => {});

/** What every error handler logs: an unexpected throw in full, a 5xx briefly, client errors not at all. */
export function logFailure(logger: Logger, thrown: unknown, error: GatewayError, requestId: string | undefined): void {
  if (isUnexpected(thrown)) logger.error("unhandled error", { id: requestId, error: thrown instanceof Error ? thrown.message : String(thrown) });
  else if (error.status >= 500) logger.warn("request failed", { id: requestId, status: error.status, code: error.code });
}
