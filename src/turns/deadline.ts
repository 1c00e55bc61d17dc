// A bound on one call to the runtime while a turn is being started (opening,
// resuming or seeding a session, or rewinding one). The runtime has been seen never to
// answer such a call; without a bound the request would hang until the
// socket's own timeout and count as in flight all that time.
import { GatewayError } from "../core/gateway-error.js";
import { runtimeTimeout } from "./upstream-errors.js";

/**
 * `call` settled within `ms`, or a 504 `runtime_timeout` (a GatewayError, so
 * callers that fall back on other failures pass it on instead). The client
 * going away ends the wait too (with the abort's reason when it is a
 * GatewayError, such as shutdown). A result that arrives late is handed to
 * `discard`, so a session opened after nobody waits for it is closed.
 */
export function withinDeadline<T>(call: Promise<T>, ms: number, action: string, signal: AbortSignal, discard?: (late: T) => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const giveUp = (reason: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      reject(reason);
    };
    const onAbort = () => giveUp(signal.reason instanceof GatewayError ? signal.reason : new Error(`the client went away while the runtime was asked to ${action}`));
    const timer = setTimeout(() => giveUp(runtimeTimeout(Math.round(ms / 1000), action)), ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    call.then(
      (value) => {
        if (settled) {
          if (discard) void Promise.resolve(discard(value)).catch(() => undefined);
          return;
        }
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => giveUp(error),
    );
  });
}
