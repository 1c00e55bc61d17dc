// Requests still being answered (a stream counts until its last byte), so
// shutdown can wait for them to finish, and end the ones that outlast the
// grace period, before it stops the runtime.
import { GatewayError } from "../core/gateway-error.js";

const SHUTTING_DOWN = new GatewayError({
  status: 503,
  code: "shutting_down",
  message: "The gateway is shutting down; the response was ended before it was complete. Retry the request.",
});

interface InflightRequest {
  abort: (reason: GatewayError) => void;
  /** The Copilot session answering it, once there is one. */
  sessionId: () => string | undefined;
}

export class InflightRequests {
  private readonly active = new Set<InflightRequest>();
  private waiters: Array<() => void> = [];

  /**
   * Marks one request as started. `abort` is called with the reason if the
   * process shuts down (or its runtime dies) before the request is done;
   * `sessionId` tells which session answers it. Call the returned function
   * exactly once when it is done.
   */
  begin(abort: (reason: GatewayError) => void, sessionId: () => string | undefined = () => undefined): () => void {
    const entry: InflightRequest = { abort, sessionId };
    this.active.add(entry);
    return () => {
      if (!this.active.delete(entry)) return;
      if (this.active.size === 0) for (const wake of this.waiters.splice(0)) wake();
    };
  }

  get size(): number {
    return this.active.size;
  }

  /** Resolves once no request is in flight. */
  drained(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends every request still in flight: their turns close with this error (by default, shutting down). */
  abortAll(reason: GatewayError = SHUTTING_DOWN): void {
    for (const request of [...this.active]) request.abort(reason);
  }

  /** Ends the requests answered by these sessions (those of a runtime that died). */
  abortOn(sessionIds: ReadonlySet<string>, reason: GatewayError): void {
    for (const request of [...this.active]) {
      const sessionId = request.sessionId();
      if (sessionId !== undefined && sessionIds.has(sessionId)) request.abort(reason);
    }
  }
}
