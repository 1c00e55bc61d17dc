// What the gateway logs through: a levelled logger of records with fields.
// Callers pass only what is safe to log: never keys, tokens or message content.
import { isUnexpected, type GatewayError } from "./gateway-error.js";

export type LogLevel = "error" | "warn" | "info" | "debug";

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

/** Logs nothing: for tests and embedders that do not care. (The process logs through pino: src/observability/pino-logger.ts.) */
export const silentLogger: Logger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

/** What every error handler logs: an unexpected throw in full, a 5xx briefly, client errors not at all. */
export function logFailure(logger: Logger, thrown: unknown, error: GatewayError, requestId: string | undefined): void {
  if (isUnexpected(thrown)) logger.error("unhandled error", { id: requestId, error: thrown instanceof Error ? thrown.message : String(thrown) });
  else if (error.status >= 500) logger.warn("request failed", { id: requestId, status: error.status, code: error.code, ...(error.detail ? { detail: withoutUrlCredentials(error.detail) } : {}) });
}

/** The provider's own words may quote its URL; a URL's user:password@ part is never logged. */
function withoutUrlCredentials(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/g, "//");
}
