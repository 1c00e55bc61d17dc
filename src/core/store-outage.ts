// The store (SQLite or PostgreSQL) being out is the gateway's own 503, never
// a bug's 500: clients retry a 503 with Retry-After (and Anthropic's clients
// a 529 overloaded_error, which the Anthropic dialect makes of every 503),
// and a load balancer can tell it apart. The storage layer throws it for
// every operation the store failed or refused while out; the layers above
// tell it from other failures by `isStoreUnavailable` and serve what they can
// without the store (keys verified before, usage spooled).
import { GatewayError } from "./gateway-error.js";

export const STORE_UNAVAILABLE = "store_unavailable";

/** Seconds a client is told to wait: the store is probed every second, and outages that matter last longer than that. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** The client's error: no host, path or driver message in it (those are logged for the operator). */
export function storeUnavailable(): GatewayError {
  return new GatewayError({
    status: 503,
    code: STORE_UNAVAILABLE,
    message: "The gateway's database is unavailable at the moment, so this request cannot be checked or served. Retry shortly.",
    retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
  });
}

export function isStoreUnavailable(thrown: unknown): boolean {
  return thrown instanceof GatewayError && thrown.code === STORE_UNAVAILABLE;
}

/** What the rest of the gateway may ask of the store's supervisor (storage/store-supervisor.ts). */
export interface StoreStatus {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** When the current outage began (ms since the epoch); undefined while the store answers. */
  outageSince(): number | undefined;
  /** Why the store is out, in words fit for an operator (no secrets); undefined while it answers. */
  outageReason(): string | undefined;
  /** Records that could not be written yet and wait in the spool, to be written when the store returns. */
  spooledRecords(): number;
}
