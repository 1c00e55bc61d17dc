// Which driver failures mean "the store is out" (to be waited out, served
// around, and answered with a 503) rather than a mistake in a query (a bug,
// a 500). Measured on the drivers: PostgreSQL stopped answers a new
// connection with ECONNREFUSED and a connection in use with "Connection
// terminated unexpectedly"; SQLite on a full disk answers writes with
// SQLITE_FULL.

/** Node's codes for a connection that cannot be made or was lost, and for a disk that cannot take a write. */
const SYSTEM_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "ENOSPC", "EIO", "EROFS", "EDQUOT"]);

/**
 * PostgreSQL's SQLSTATE classes and codes: 08 connection exception, 53
 * insufficient resources (disk full, out of memory, too many connections), 58
 * system error (I/O), 57P01–57P05 the server shutting down, restarting or
 * refusing connections, 25006 a read-only server (a standby after a failover).
 */
function isPostgresOutage(code: string): boolean {
  return /^(08|53|58)/.test(code) || /^57P0[1-5]$/.test(code) || code === "25006";
}

/** SQLite's codes (better-sqlite3 gives extended ones, e.g. SQLITE_IOERR_WRITE) for a disk or file that cannot be used now. */
const SQLITE_OUTAGE = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|CANTOPEN|READONLY|PROTOCOL|NOLFS)/;

/** What pg says, without a code, when a connection dies under it or cannot be had in time. */
const PG_CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /^Connection ended unexpectedly/,
];

export function isOutageError(thrown: unknown): boolean {
  if (!(thrown instanceof Error)) return false;
  const code = (thrown as { code?: unknown }).code;
  if (typeof code === "string") {
    if (SYSTEM_CODES.has(code) || SQLITE_OUTAGE.test(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code)) return isPostgresOutage(code);
  }
  if (PG_CONNECTION_MESSAGES.some((pattern) => pattern.test(thrown.message))) return true;
  // An AggregateError (a host name with several addresses, all refused) carries the codes inside.
  if (thrown instanceof AggregateError) return thrown.errors.some(isOutageError);
  return thrown.cause !== undefined && thrown.cause !== thrown && isOutageError(thrown.cause);
}

/** The failure in words for the operator's log: the driver's code and message, with any URL's credentials cut out. */
export function outageReason(thrown: unknown): string {
  if (!(thrown instanceof Error)) return String(thrown).slice(0, 300);
  const code = (thrown as { code?: unknown }).code;
  const text = typeof code === "string" && !thrown.message.includes(code) ? `${code}: ${thrown.message}` : thrown.message;
  return (text || thrown.name).replace(/\/\/[^/@\s]*@/g, "//").slice(0, 300);
}
