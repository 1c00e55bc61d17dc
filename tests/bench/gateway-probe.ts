// Watches the gateway under test from outside src/: which sessions it opens
// and closes, and — for a short instrumented run — where a request's time to
// first token goes: the gateway's own HTTP and app work, or the runtime.
import type { CopilotSession } from "@github/copilot-sdk";
import type { TestGateway } from "../support/gateway.js";
import { percentile, type Sample } from "./stats.js";

export interface Breakdown {
  n: number;
  /** Client fetch() → the runtime is asked for a session: HTTP in, body parse, model check, ledger lookup. */
  beforeSessionMs: number;
  /** CopilotRuntime.openSession: the runtime's opening line + createSession. */
  openSessionMs: number;
  /** Session open → the session's first `assistant.message_delta`: send, runtime, model call. */
  toFirstDeltaMs: number;
  /** That event → the client holds the content chunk: event queue, SSE encoder, HTTP out. */
  afterFirstDeltaMs: number;
  ttftMs: number;
}

export interface GatewayProbe {
  /** Resolves once no session open or close is in flight (a warm session's refill, a ledger eviction). */
  settle(): Promise<void>;
  /** Sessions opened so far (new ones, not resumed). */
  sessionsOpened(): number;
  /** Sessions opened and not yet closed (live or suspended). */
  openSessions(): number;
  /** Of those, the ones connected to the runtime (not suspended). */
  liveSessions(): number;
  /** Runs requests one by one with timestamps on; medians of the per-request stage durations. */
  breakdown(run: () => Promise<Sample>, count: number): Promise<Breakdown>;
}

interface Marks {
  start: number;
  sessionRequested?: number;
  sessionOpened?: number;
  firstDelta?: number;
}

/** Wraps the runtime's openSession/closeSession; costs a branch and a counter per session while not measuring. */
export function probeGateway(gateway: TestGateway): GatewayProbe {
  const { runtime } = gateway;
  const openSession = runtime.openSession.bind(runtime);
  const closeSession = runtime.closeSession.bind(runtime);
  const suspendSession = runtime.suspendSession.bind(runtime);
  const resumeSession = runtime.resumeSession.bind(runtime);
  /** Session opens and closes in flight. */
  const pending = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    void work.then(
      () => pending.delete(work),
      () => pending.delete(work),
    );
    return work;
  };
  let opened = 0;
  let closed = 0;
  let suspended = 0;
  let current: Marks | undefined;

  runtime.openSession = async (spec, signal) => {
    const marks = current;
    if (marks) marks.sessionRequested = performance.now();
    const session = await track(openSession(spec, signal));
    opened++;
    if (marks) {
      marks.sessionOpened = performance.now();
      watchFirstDelta(session, marks);
    }
    return session;
  };
  runtime.suspendSession = async (session) => {
    suspended++;
    return suspendSession(session);
  };
  runtime.resumeSession = async (sessionId, spec) => {
    const session = await resumeSession(sessionId, spec);
    suspended--;
    return session;
  };
  runtime.closeSession = (session) => {
    // A session id alone means the session was suspended when it was closed.
    if (typeof session === "string") suspended--;
    const done = track(closeSession(session));
    void done.finally(() => closed++);
    return done;
  };

  const settle = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };

  return {
    settle,
    sessionsOpened: () => opened,
    openSessions: () => opened - closed,
    liveSessions: () => opened - closed - suspended,
    async breakdown(run, count) {
      const rows: Array<Required<Marks> & { ttft: number }> = [];
      for (let i = 0; i < count; i++) {
        const marks: Marks = { start: performance.now() };
        current = marks;
        const sample = await run();
        current = undefined;
        await settle();
        const { sessionRequested, sessionOpened, firstDelta } = marks;
        if (sessionRequested === undefined || sessionOpened === undefined || firstDelta === undefined) {
          throw new Error("gateway probe: a request did not open a new session (was a ledger session reused?)");
        }
        rows.push({ start: marks.start, sessionRequested, sessionOpened, firstDelta, ttft: marks.start + sample.ttftMs });
      }
      const median = (stage: (row: (typeof rows)[number]) => number) => percentile(rows.map(stage), 50);
      return {
        n: rows.length,
        beforeSessionMs: median((r) => r.sessionRequested - r.start),
        openSessionMs: median((r) => r.sessionOpened - r.sessionRequested),
        toFirstDeltaMs: median((r) => r.firstDelta - r.sessionOpened),
        afterFirstDeltaMs: median((r) => r.ttft - r.firstDelta),
        ttftMs: median((r) => r.ttft - r.start),
      };
    },
  };
}

function watchFirstDelta(session: CopilotSession, marks: Marks): void {
  const unsubscribe = session.on((event) => {
    if (event.type !== "assistant.message_delta") return;
    marks.firstDelta ??= performance.now();
    unsubscribe();
  });
}
