// Watches the gateway under test from outside src/: which sessions it opens
// and closes, and — for a short instrumented run — where a request's time to
// first token goes: the HTTP client and transport, the gateway's own work
// before and after the runtime, or the runtime.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CopilotSession, SessionEvent } from "@github/copilot-sdk";
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

/**
 * A server-side tool call's round trip, as the gateway saw it: from the
 * model's tool request (the `assistant.message` carrying it) to the runtime's
 * `tool.execution_complete`, medians per request.
 */
export interface ToolRoundTrip {
  n: number;
  /** `tool.execution_start` → `tool.execution_complete`, as the session delivered them: the runtime running the call (the MCP server's part included). */
  runMs: number;
  /** The gateway's own work in the round trip: its session listeners on the round trip's events, its permission handler, and its tool handler's CPU. */
  ownMs: number;
  /**
   * Of that, the CPU this process used while the gateway's handler ran the
   * call (a shared server's tool: the MCP request over stdio, the result's
   * parsing, the answer to the runtime); the server's own work is its
   * process's. 0 when the runtime ran the call itself.
   */
  handlerCpuMs: number;
  /** Of that, the permission handler (0 when the runtime asked nothing). */
  permissionMs: number;
  /** Permission requests the runtime made per request. */
  permissionRequests: number;
}

export interface GatewayProbe {
  /** Resolves once no session open, suspend or close is in flight (a warm session's refill, a ledger eviction). */
  settle(): Promise<void>;
  /** The session operations (open, suspend, close) in flight now. */
  pending(): string[];
  /** Sessions opened so far (new ones, not resumed). */
  sessionsOpened(): number;
  /** Sessions opened and not yet closed (live or suspended). */
  openSessions(): number;
  /** Of those, the ones connected to the runtime (not suspended). */
  liveSessions(): number;
  /** Runs `prepare` then one timed request, `count` times; medians of the per-request stage durations. */
  breakdown(request: { prepare(): Promise<void>; run(): Promise<Sample> }, count: number): Promise<Breakdown>;
  /** Runs `prepare` then one request whose turn runs one server-side tool call, `count` times; what the gateway did in the round trip. */
  toolRoundTrip(request: { prepare(): Promise<void>; run(): Promise<Sample> }, count: number): Promise<ToolRoundTrip>;
}

interface ToolMarks {
  /** Inside the round trip: after the model's tool request, before the call's completion was handled. */
  open: boolean;
  started?: number;
  completed?: number;
  listenerMs: number;
  permissionMs: number;
  permissionRequests: number;
  handlerCpuMs: number;
}

type Listener = (event: SessionEvent) => void;
type PermissionHandlerField = { permissionHandler?: (...args: unknown[]) => unknown };
/** The SDK session's handlers of its tools by name (a field of the session's, private in its types). */
type ToolHandlersField = { toolHandlers?: Map<string, (...args: unknown[]) => unknown> };

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
  /** What each pending operation is, for the bench's report of one that never ends. */
  const labels = new Map<Promise<unknown>, string>();
  const track = <T>(work: Promise<T>, label: string): Promise<T> => {
    pending.add(work);
    labels.set(work, label);
    const forget = () => {
      pending.delete(work);
      labels.delete(work);
    };
    void work.then(
      forget,
      forget,
    );
    return work;
  };
  let opened = 0;
  let closed = 0;
  let suspended = 0;
  let current: Marks | undefined;
  let tool: ToolMarks | undefined;

  /**
   * Times a gateway listener on the events of a tool round trip (the
   * round trip opens on the model's tool request and closes once the call's
   * completion has been handled by every listener the gateway registered).
   */
  const timed =
    (listener: Listener): Listener =>
    (event) => {
      const marks = tool;
      if (!marks?.open) return listener(event);
      const started = performance.now();
      try {
        listener(event);
      } finally {
        marks.listenerMs += performance.now() - started;
      }
    };

  /** Marks, while measuring, the first send and the first content delta of any session the gateway holds. */
  const instrument = (session: CopilotSession): CopilotSession => {
    // The probe's listeners come first, on the session's own `on`: they see each event before the gateway's do.
    const on = session.on.bind(session) as (listener: Listener) => () => void;
    on((event) => {
      if (event.type === "assistant.message_delta" && current?.send !== undefined) current.firstDelta ??= performance.now();
      if (!tool) return;
      if (event.type === "assistant.message" && (event.data.toolRequests?.length ?? 0) > 0) tool.open = true;
      else if (event.type === "tool.execution_start") tool.started ??= performance.now();
      else if (event.type === "tool.execution_complete") {
        tool.completed ??= performance.now();
        // The round trip closes once every listener has handled the completion (the SDK calls them in one go).
        const marks = tool;
        queueMicrotask(() => (marks.open = false));
      }
    });
    // Every listener the gateway registers is timed while a tool round trip is open.
    session.on = ((...args: unknown[]) => (on as (...a: unknown[]) => () => void)(...args.map((arg) => (typeof arg === "function" ? timed(arg as Listener) : arg)))) as CopilotSession["on"];
    // The SDK calls the permission handler the gateway gave createSession for each `permission.requested` (a field of the session's, private in its types).
    const withHandler = session as unknown as PermissionHandlerField;
    const handler = withHandler.permissionHandler;
    if (handler) {
      withHandler.permissionHandler = async (...args: unknown[]) => {
        const marks = tool;
        const started = performance.now();
        try {
          return await handler(...args);
        } finally {
          if (marks) {
            marks.permissionMs += performance.now() - started;
            marks.permissionRequests++;
          }
        }
      };
    }
    // A shared server's tools run in the gateway: the CPU this process uses meanwhile is the gateway's (at c=1 nothing else runs here then).
    const handlers = (session as unknown as ToolHandlersField).toolHandlers;
    for (const [name, toolHandler] of handlers ?? []) {
      handlers!.set(name, async (...args: unknown[]) => {
        const marks = tool;
        const cpu = process.cpuUsage();
        try {
          return await toolHandler(...args);
        } finally {
          if (marks) {
            const used = process.cpuUsage(cpu);
            marks.handlerCpuMs += (used.user + used.system) / 1000;
          }
        }
      });
    }
    const send = session.send.bind(session) as (...args: unknown[]) => Promise<string>;
    session.send = ((...args: unknown[]) => {
      if (current) current.send ??= performance.now();
      return send(...args);
    }) as CopilotSession["send"];
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
    const session = instrument(await track(openSession(spec, signal), "open"));
    opened++;
    if (marks) marks.sessionOpened = performance.now();
    return session;
  };
  runtime.suspendSession = (session) => {
    suspended++;
    return track(suspendSession(session), `suspend ${session.sessionId}`);
  };
  runtime.resumeSession = async (sessionId, spec) => {
    const session = instrument(await resumeSession(sessionId, spec));
    suspended--;
    return session;
  };
  runtime.closeSession = (session) => {
    // A session id alone means the session was suspended when it was closed.
    if (typeof session === "string") suspended--;
    const done = track(closeSession(session), `close ${typeof session === "string" ? session : session.sessionId}`);
    void done.finally(() => closed++);
    return done;
  };

  const settle = async () => {
    const started = performance.now();
    const report = setInterval(() => {
      console.error(`bench: a gateway has waited ${((performance.now() - started) / 1000).toFixed(0)} s for ${pending.size} session operation(s) of its runtime: ${[...labels.values()].join(", ")}`);
    }, 30_000);
    try {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    } finally {
      clearInterval(report);
    }
  };

  return {
    settle,
    pending: () => [...labels.values()],
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
    async toolRoundTrip(request, count) {
      const rows: ToolMarks[] = [];
      for (let i = 0; i < count; i++) {
        await request.prepare();
        await settle();
        const marks: ToolMarks = { open: false, listenerMs: 0, permissionMs: 0, permissionRequests: 0, handlerCpuMs: 0 };
        tool = marks;
        await request.run();
        tool = undefined;
        await settle();
        if (marks.started === undefined || marks.completed === undefined) throw new Error("gateway probe: a request ran no server-side tool call");
        rows.push(marks);
      }
      const median = (of: (marks: ToolMarks) => number) => percentile(rows.map(of), 50);
      return {
        n: rows.length,
        runMs: median((marks) => marks.completed! - marks.started!),
        ownMs: median((marks) => marks.listenerMs + marks.permissionMs + marks.handlerCpuMs),
        handlerCpuMs: median((marks) => marks.handlerCpuMs),
        permissionMs: median((marks) => marks.permissionMs),
        permissionRequests: median((marks) => marks.permissionRequests),
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
