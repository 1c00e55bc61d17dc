// Watches, without changing them, the sessions a test gateway's runtime is
// asked to open for requests: how many it opened, and each request's call
// with its signal. Sessions opened ahead for the next conversation, with no
// request waiting (and so no signal), are not counted.
import type { TestGateway } from "./gateway.js";

export interface SessionOpening {
  /** The request's signal, as the runtime was handed it. */
  signal: AbortSignal;
  /** Resolves once the call has ended, opened or not. */
  ended: Promise<void>;
}

export interface SessionOpenings {
  /** Sessions the runtime opened for requests. */
  readonly opened: number;
  /** Every request's call to open one, in order. */
  readonly calls: readonly SessionOpening[];
  /** Puts the runtime's own openSession back. */
  stop(): void;
}

export function watchSessionOpenings(gw: TestGateway): SessionOpenings {
  const calls: SessionOpening[] = [];
  let opened = 0;
  const runtime = gw.runtime;
  const openSession = runtime.openSession;
  runtime.openSession = (spec, signal) => {
    const opening = openSession.call(runtime, spec, signal);
    if (!signal) return opening;
    calls.push({
      signal,
      ended: opening.then(
        () => void opened++,
        () => undefined,
      ),
    });
    return opening;
  };
  return {
    get opened() {
      return opened;
    },
    calls,
    stop: () => {
      runtime.openSession = openSession;
    },
  };
}
