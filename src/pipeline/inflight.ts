// Requests still being answered (a stream counts until its last byte), so
// shutdown can wait for them to finish, and end the ones that outlast the
// grace period, before it stops the runtime.
import { GatewayError } from "../core/gateway-error.js";

const SHUTTING_DOWN = new GatewayError({
  status: 503,
  code: "shutting_down",
  message: "The gateway is shutting down; the response was ended before it was complete. Retry the request.",
});

/**
 * A stopping process still gets requests on connections opened before it
 * stopped listening (a balancer's or an SDK's kept-alive ones). It answers
 * them before doing any work, so they are safe to send again, and closes the
 * connection, so what comes next opens a new one, to a replica that is not
 * stopping. Taking them instead would keep the drain from ever ending, and
 * one taken after it ended would meet a runtime already stopped.
 */
const NOT_TAKING_NEW = new GatewayError({
  status: 503,
  code: "shutting_down",
  message: "The gateway is shutting down and takes no new requests. Retry the request.",
  retryAfterSeconds: 1,
  headers: { connection: "close" },
});

interface InflightRequest {
  abort: (reason: GatewayError) => void;
  /** The Copilot session answering it, once there is one. */
  sessionId: () => string | undefined;
}

export class InflightRequests {
  private readonly active = new Set<InflightRequest>();
  private waiters: Array<() => void> = [];
  private refusing = false;

  /**
   * Marks one request as started. `abort` is called with the reason if the
   * process shuts down (or its runtime dies) before the request is done;
   * `sessionId` tells which session answers it. Call the returned function
   * exactly once when it is done. Throws a 503 `shutting_down` once
   * `refuseNew` was called.
   */
  begin(abort: (reason: GatewayError) => void, sessionId: () => string | undefined = () => undefined): () => void {
    if (this.refusing) throw NOT_TAKING_NEW;
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

  /** From now on `begin` throws a 503 `shutting_down`: a drain waits only for the requests it had. */
  refuseNew(): void {
    this.refusing = true;
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
