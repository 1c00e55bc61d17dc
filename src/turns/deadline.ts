// The turn's deadline, counted from the moment the gateway starts getting the
// turn its session. Every wait before the model's first output takes from
// it: a session opened ahead, a suspension still under way, a resume, an open
// (in the gateway's line and in the runtime), a seeding, a rewind, the send.
// Bounded each by a deadline of its own they added up — 5 s for a session
// opened ahead, then the whole deadline for the request's own open, then the
// whole deadline again for the model — and the runtime has been seen never
// to answer such a call.
import { GatewayError } from "../core/gateway-error.js";
import { runtimeTimeout } from "./upstream-errors.js";

export class TurnDeadline {
  private readonly endsAt: number;

  /** `signal`: the request's; its client going away ends every wait too. */
  constructor(
    readonly ms: number,
    private readonly signal: AbortSignal,
    now = Date.now(),
  ) {
    this.endsAt = now + ms;
  }

  /** What is left of the deadline; 0 once it passed. */
  get remainingMs(): number {
    return Math.max(0, this.endsAt - Date.now());
  }

  /**
   * What `call` settles with, if it does within what is left of the
   * deadline; else a 504 `runtime_timeout` naming `action` (a GatewayError,
   * so callers that fall back on other failures pass it on instead). The
   * client going away ends the wait too (with the abort's reason when it is
   * a GatewayError, such as shutdown). `call` is not made at all when
   * nothing is left or the client has gone; a result that arrives late is
   * handed to `discard`, so a session opened after nobody waits for it is
   * closed.
   */
  within<T>(call: () => Promise<T>, action: string, discard?: (late: T) => unknown): Promise<T> {
    const { signal } = this;
    if (signal.aborted) return Promise.reject(this.abandoned(action));
    const remaining = this.remainingMs;
    if (remaining === 0) return Promise.reject(this.timedOut(action));
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = () => {
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
      };
      const giveUp = (reason: unknown) => {
        if (settled) return;
        settle();
        reject(reason);
      };
      const onAbort = () => giveUp(this.abandoned(action));
      const timer = setTimeout(() => giveUp(this.timedOut(action)), remaining);
      signal.addEventListener("abort", onAbort, { once: true });
      let made: Promise<T>;
      try {
        made = call();
      } catch (error) {
        return giveUp(error);
      }
      made.then(
        (value) => {
          if (!settled) {
            settle();
            resolve(value);
          } else if (discard) {
            void Promise.resolve(discard(value)).catch(() => undefined);
          }
        },
        (error: unknown) => giveUp(error),
      );
    });
  }

  private timedOut(action: string): GatewayError {
    return runtimeTimeout(Math.round(this.ms / 1000), action);
  }

  /** The abort's reason when it is a GatewayError (a shutdown), else the client left. */
  private abandoned(action: string): unknown {
    const { reason } = this.signal;
    return reason instanceof GatewayError ? reason : new Error(`the client went away while the runtime was asked to ${action}`);
  }
}
