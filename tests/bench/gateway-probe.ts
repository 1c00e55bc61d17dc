// Watches the gateway under test from outside src/: which sessions it opens
// and closes, and — for a short instrumented run — where a request's time to
// first token goes: the HTTP client and transport, the gateway's own work
// before and after the runtime, or the runtime.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CopilotSession } from "@github/copilot-sdk";
import type { GatewayRuntime, TestGateway } from "../support/gateway.js";
import { percentile, type Sample } from "./stats.js";

export interface Breakdown {
  n: number;
  /** Client request start → the server's `request` event, plus the first SSE write (which carries the response head) → the client holds the content chunk. */
  httpMs: number;
  /** `request` event → the runtime is asked for a session (new conversations) or for the turn (send): middleware, body, parse, model, access, ledger. */
  beforeRuntimeMs: number;
  /** CopilotRuntime.openSession (waiting for an open slot + createSession); 0 when the request went on a session the gateway held. */
  openSessionMs: number;
  /** session.send → the session's first `assistant.message_delta`. */
  toFirstDeltaMs: number;
  /** That event → the first SSE bytes handed to the socket: event queue, encoder, the response head. */
  afterFirstDeltaMs: number;
  /** beforeRuntime + afterFirstDelta, per request (median of the sums): the "gateway's own share" of the first token. */
  ownMs: number;
  /** http + own, per request: all of TTFT that is not the runtime's. Where a cost moves between the server and the client, this says whether it went. */
  notRuntimeMs: number;
  ttftMs: number;
}

export interface GatewayProbe {
  /** Resolves once no session open, suspend or close is in flight (a warm session's refill, a ledger eviction). */
  settle(): Promise<void>;
  /** Sessions opened so far (new ones, not resumed). */
  sessionsOpened(): number;
  /** Sessions opened and not yet closed (live or suspended). */
  openSessions(): number;
  /** Of those, the ones connected to the runtime (not suspended). */
  liveSessions(): number;
  /** Runs `prepare` then one timed request, `count` times; medians of the per-request stage durations. */
  breakdown(request: { prepare(): Promise<void>; run(): Promise<Sample> }, count: number): Promise<Breakdown>;
}

interface Marks {
  start: number;
  requestIn?: number;
  sessionRequested?: number;
  sessionOpened?: number;
  send?: number;
  firstDelta?: number;
  firstWrite?: number;
}

/**
 * Wraps the runtime's session calls, and every session's send, and watches
 * the gateway's HTTP server; costs a branch and a counter per call while not
 * measuring.
 */
export function probeGateway(gateway: TestGateway<GatewayRuntime>): GatewayProbe {
  const { runtime } = gateway;
  const openSession = runtime.openSession.bind(runtime);
  const closeSession = runtime.closeSession.bind(runtime);
  const suspendSession = runtime.suspendSession.bind(runtime);
  const resumeSession = runtime.resumeSession.bind(runtime);
  /** Session opens, suspends and closes in flight. */
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

  /** Marks, while measuring, the first send and the first content delta of any session the gateway holds. */
  const instrument = (session: CopilotSession): CopilotSession => {
    const send = session.send.bind(session) as (...args: unknown[]) => Promise<string>;
    session.send = ((...args: unknown[]) => {
      if (current) current.send ??= performance.now();
      return send(...args);
    }) as CopilotSession["send"];
    session.on((event) => {
      if (event.type === "assistant.message_delta" && current?.send !== undefined) current.firstDelta ??= performance.now();
    });
    return session;
  };
  gateway.httpServer()?.prependListener("request", (_request: IncomingMessage, response: ServerResponse) => {
    const marks = current;
    if (!marks) return;
    marks.requestIn = performance.now();
    const write = response.write.bind(response) as (...args: unknown[]) => boolean;
    response.write = ((...args: unknown[]) => {
      if (marks.firstDelta !== undefined) marks.firstWrite ??= performance.now();
      return write(...args);
    }) as ServerResponse["write"];
  });

  runtime.openSession = async (spec, signal) => {
    // A session opened after the send is a warm refill, not the request's own.
    const marks = current?.send === undefined ? current : undefined;
    if (marks) marks.sessionRequested = performance.now();
    const session = instrument(await track(openSession(spec, signal)));
    opened++;
    if (marks) marks.sessionOpened = performance.now();
    return session;
  };
  runtime.suspendSession = (session) => {
    suspended++;
    return track(suspendSession(session));
  };
  runtime.resumeSession = async (sessionId, spec) => {
    const session = instrument(await resumeSession(sessionId, spec));
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
    async breakdown(request, count) {
      const rows: Array<Omit<Breakdown, "n">> = [];
      for (let i = 0; i < count; i++) {
        await request.prepare();
        await settle();
        const marks: Marks = { start: performance.now() };
        current = marks;
        const sample = await request.run();
        current = undefined;
        await settle();
        rows.push(stages(marks, marks.start + sample.ttftMs));
      }
      const median = (stage: keyof Omit<Breakdown, "n">) => percentile(rows.map((row) => row[stage]), 50);
      return {
        n: rows.length,
        httpMs: median("httpMs"),
        beforeRuntimeMs: median("beforeRuntimeMs"),
        openSessionMs: median("openSessionMs"),
        toFirstDeltaMs: median("toFirstDeltaMs"),
        afterFirstDeltaMs: median("afterFirstDeltaMs"),
        ownMs: median("ownMs"),
        notRuntimeMs: median("notRuntimeMs"),
        ttftMs: median("ttftMs"),
      };
    },
  };
}

/** One request's stages; a request that opened a session counts the time between the open and the send as the gateway's. */
function stages(marks: Marks, ttft: number): Omit<Breakdown, "n"> {
  const { start, requestIn, send, firstDelta, firstWrite } = marks;
  if (requestIn === undefined || send === undefined || firstDelta === undefined || firstWrite === undefined) {
    throw new Error(`gateway probe: a request was not seen whole (marks: ${Object.keys(marks).join(", ")})`);
  }
  const openSessionMs = marks.sessionRequested !== undefined && marks.sessionOpened !== undefined ? marks.sessionOpened - marks.sessionRequested : 0;
  const beforeRuntimeMs = send - requestIn - openSessionMs;
  const afterFirstDeltaMs = firstWrite - firstDelta;
  const httpMs = requestIn - start + (ttft - firstWrite);
  return {
    httpMs,
    beforeRuntimeMs,
    openSessionMs,
    toFirstDeltaMs: firstDelta - send,
    afterFirstDeltaMs,
    ownMs: beforeRuntimeMs + afterFirstDeltaMs,
    notRuntimeMs: httpMs + beforeRuntimeMs + afterFirstDeltaMs,
    ttftMs: ttft - start,
  };
}
