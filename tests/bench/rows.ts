// The rows of `npm run bench`: each a way to get a streamed answer, on a
// runtime of its own so that runtime's CPU time and memory are the row's.
// A row's requests come from numbered workers (0 … concurrency − 1); rows
// that go on a conversation (or a session) keep one per worker.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CopilotSession } from "@github/copilot-sdk";
import type { AppConfig } from "../../src/http/app.js";
import { CopilotRuntime } from "../../src/runtime/runtime-pool.js";
import { startGateway, TEST_MODEL, type GatewayOptions, type GatewayRuntime, type TestGateway } from "../support/gateway.js";
import { everythingServer, servers } from "../support/mcp-servers.js";
import { ScriptedUpstream, type Responder, type Script, type Step, type UpstreamRequest } from "../support/upstream.js";
import { probeGateway, type GatewayProbe } from "./gateway-probe.js";
import { directRequest, gatewayChat, REQUEST_TIMEOUT_MS, type ChatSample } from "./paths.js";
import { RawSdk } from "./raw-sdk.js";
import { childProcesses, type Sample } from "./stats.js";

/**
 * A worker's conversation (or reused session) is started afresh before a
 * block once it had this many exchanges, unmeasured: at concurrency 1 every
 * block of 10 starts from one that had one exchange, and none grows long.
 */
const MAX_EXCHANGES = 10;

export interface Row {
  readonly label: string;
  /** One request of worker `worker`. */
  run(worker: number): Promise<Sample>;
  /** Unmeasured, before a block of `workers` workers: opens what their requests go on. */
  prepare(workers: number): Promise<void>;
  /** Resolves once no session open, suspend or close of the row is in flight. */
  settle(): Promise<void>;
  /** The Copilot runtime processes serving the row (none for direct). */
  readonly runtimePids: readonly number[];
  /** Sessions the row's gateway opened so far; undefined for the rows without a gateway. */
  sessionsOpened?(): number;
  /** What the row's gateway is doing now, for the report of a block that failed. */
  describe?(): string;
}

/** A fixed, realistic answer for every row but the agent step: 20 deltas of a few words, no delays. */
const WORDS = "the gateway streams each delta as soon as the runtime emits it to the client".split(" ");
const ANSWER: Script = {
  steps: Array.from({ length: 20 }, (_, i): Step => ({ text: `${WORDS[i % WORDS.length]} ${WORDS[(i + 3) % WORDS.length]} ${WORDS[(i + 7) % WORDS.length]} ` })),
  finishReason: "stop",
  usage: { prompt_tokens: 24, completion_tokens: 60 },
};
export const answer: Responder = () => ANSWER;

const LOOKUP_TOOL = { type: "function", function: { name: "lookup", parameters: { type: "object", properties: { step: { type: "number" } } } } };

/** An agent that never stops: every tool result is answered with the next tool call (ids unique per upstream). */
export function endlessToolLoop(): Responder {
  let calls = 0;
  return (request) => {
    const step = request.messages.filter((message) => message.role === "tool").length + 1;
    return { steps: [{ toolCall: { id: `call_${++calls}`, name: "lookup", arguments: JSON.stringify({ step }), chunks: 3 } }] };
  };
}

/** One stdio MCP server (the real server-everything), granted to every caller: its tools are offered as `everything-<tool>`. */
export function mcpGranted(): Partial<AppConfig> {
  return { mcpServers: servers({ everything: everythingServer() }), defaultMcpGrants: ["everything"] };
}

/** The client's own echo, declared in the client-side tool call row. */
const ECHO_TOOL = { type: "function", function: { name: "echo", description: "Echoes the message back", parameters: { type: "object", properties: { message: { type: "string" } }, required: ["message"] } } };
const ECHO_MESSAGE = "bench";
/** What server-everything's echo answers, and so what the client-side row's client answers too. */
const ECHO_RESULT = `Echo: ${ECHO_MESSAGE}`;

/**
 * A model that calls the echo tool `name` once (`everything-echo`: the
 * runtime runs it on the server; `echo`: the client's) and, once it has the
 * result, answers as every other row does. Ids unique per upstream.
 */
export function echoThenAnswer(name: string): Responder {
  let calls = 0;
  return (request) =>
    request.messages.some((message) => message.role === "tool")
      ? ANSWER
      : { steps: [{ toolCall: { id: `call_echo_${++calls}`, name, arguments: JSON.stringify({ message: ECHO_MESSAGE }) } }], usage: { prompt_tokens: 10, completion_tokens: 5 } };
}

/** The tool result the model was sent in an upstream request, if any. */
const toolResultIn = (request: UpstreamRequest): unknown => request.messages.find((message) => message.role === "tool")?.content;

let counter = 0;
const nextPrompt = () => `Benchmark request ${String(counter++).padStart(5, "0")}: write one short sentence.`;
const userMessage = () => ({ role: "user", content: nextPrompt() });

/** A runtime's child processes started by `start`: the Copilot runtimes it spawned (tsx's esbuild is a child too). */
export async function spawnedRuntimes<T>(start: () => Promise<T>): Promise<{ value: T; pids: number[] }> {
  const before = new Set(childProcesses().map((child) => child.pid));
  const value = await start();
  const pids = childProcesses()
    .filter((child) => !before.has(child.pid) && /copilot/i.test(child.command))
    .map((child) => child.pid);
  return { value, pids };
}

/** Per worker, something that goes on across requests, restarted (unmeasured) after MAX_EXCHANGES. */
class PerWorker<T> {
  private readonly slots: Array<{ state: T; exchanges: number } | undefined> = [];

  constructor(
    private readonly begin: () => Promise<T>,
    private readonly end: (state: T) => Promise<void> = async () => {},
  ) {}

  async prepare(workers: number): Promise<void> {
    await Promise.all(
      Array.from({ length: workers }, async (_, worker) => {
        const slot = this.slots[worker];
        if (slot && slot.exchanges < MAX_EXCHANGES) return;
        if (slot) await this.end(slot.state);
        this.slots[worker] = { state: await this.begin(), exchanges: 1 };
      }),
    );
  }

  next(worker: number, exchange: (state: T) => Promise<Sample>): Promise<Sample> {
    const slot = this.slots[worker];
    if (!slot) throw new Error(`bench: worker ${worker} was not prepared`);
    slot.exchanges++;
    return exchange(slot.state);
  }

  async endAll(): Promise<void> {
    await Promise.all(this.slots.map((slot) => (slot ? this.end(slot.state) : undefined)));
    this.slots.length = 0;
  }
}

/** A gateway with its own upstream and runtime(s), served on a real socket and watched by the probe. */
export interface GatewayServer {
  gateway: TestGateway<GatewayRuntime>;
  url: string;
  probe: GatewayProbe;
  runtimePids: number[];
}

/**
 * The process's own defaults (config/settings.ts) where the test suite's
 * differ: how many sessions are held, and for how long; and a turn deadline
 * inside the bench's own (paths.ts), so that the gateway says what timed
 * out: 50 new conversations at once, each opening a session on a 2-core
 * machine, keep the last ones waiting past the default 30 s, and a row
 * measures their time rather than failing on it.
 */
const PROCESS_DEFAULTS: Partial<AppConfig> = { maxSessions: 200, sessionTtlMs: 30 * 60_000, turnTimeoutMs: REQUEST_TIMEOUT_MS - 30_000 };

export async function startServer(overrides: Partial<AppConfig>, options: GatewayOptions<GatewayRuntime>, responder: Responder): Promise<GatewayServer> {
  const { value: gateway, pids } = await spawnedRuntimes(() => startGateway({ ...PROCESS_DEFAULTS, ...overrides }, { logging: "production", ...options }));
  gateway.upstream.respond(responder);
  const url = await gateway.listen();
  return { gateway, url, probe: probeGateway(gateway), runtimePids: pids };
}

function gatewayRow(label: string, server: GatewayServer, run: Row["run"], prepare: Row["prepare"] = async () => {}): Row {
  return {
    label,
    run,
    prepare,
    async settle() {
      await server.probe.settle();
      // The upstream records every call; forget them.
      server.gateway.upstream.calls.length = 0;
    },
    // The stdio MCP servers the gateway runs for its sessions are counted with its runtimes, which ran them before.
    get runtimePids() {
      const runtime = server.gateway.runtime;
      return [...server.runtimePids, ...(runtime instanceof CopilotRuntime ? runtime.mcpServerPids : [])];
    },
    sessionsOpened: () => server.probe.sessionsOpened(),
    describe: () => {
      const { live, suspended } = server.gateway.turns.sessionCounts();
      const pending = server.probe.pending();
      return `${live} live and ${suspended} suspended sessions, ${server.gateway.inflight.size} requests in flight, session operations in flight: ${pending.length > 0 ? pending.join(", ") : "none"}`;
    },
  };
}

/**
 * Each request a brand-new conversation: one user message, no system prompt,
 * no tools unless `tools` (the client's own, declared with every request) —
 * the same session configuration every time.
 */
export function newConversationRow(label: string, server: GatewayServer, tools?: readonly object[]): Row {
  return gatewayRow(label, server, () => gatewayChat(server.url, { model: TEST_MODEL, messages: [userMessage()], ...(tools ? { tools } : {}) }));
}

/**
 * A new conversation whose model calls `everything-echo`, which the runtime
 * runs on server-everything, then answers: one request; its first token is
 * the answer's (the client never sees the call). Checks the tool really ran.
 */
export function serverToolCallRow(label: string, server: GatewayServer): Row {
  return gatewayRow(label, server, async () => {
    const sample = await gatewayChat(server.url, { model: TEST_MODEL, messages: [userMessage()] });
    if (sample.toolCalls.length > 0) throw new Error(`bench: the client was handed the server-side call ${sample.toolCalls[0]!.name}`);
    const results = server.gateway.upstream.calls.map((call) => toolResultIn(call.request)).filter((content) => content !== undefined);
    if (!results.includes(ECHO_RESULT)) throw new Error(`bench: the model never got the server's echo (results sent: ${JSON.stringify(results)})`);
    return { ttftMs: sample.ttftMs, totalMs: sample.totalMs };
  });
}

/**
 * The same loop made by the client: a new conversation declaring its own
 * `echo`, whose model calls it; the client answers with the same result in a
 * second request (which goes on the first one's session, as an agent step
 * does). Timed from the first request's start: TTFT at the answer's first
 * token, total at its end — comparable with the server-side row.
 */
export function clientToolCallRow(label: string, server: GatewayServer): Row {
  return gatewayRow(label, server, async () => {
    const messages: unknown[] = [userMessage()];
    const started = performance.now();
    const first = await gatewayChat(server.url, { model: TEST_MODEL, messages, tools: [ECHO_TOOL] });
    const call = first.toolCalls[0];
    if (!call || call.name !== "echo") throw new Error(`bench: the client-side row got no echo call: ${first.text}`);
    messages.push({ role: "assistant", content: null, tool_calls: [{ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } }] });
    messages.push({ role: "tool", tool_call_id: call.id, content: `Echo: ${(JSON.parse(call.arguments) as { message: string }).message}` });
    const secondAt = performance.now() - started;
    const second = await gatewayChat(server.url, { model: TEST_MODEL, messages, tools: [ECHO_TOOL] });
    if (second.toolCalls.length > 0 || second.text === "") throw new Error(`bench: the client-side row's second request did not answer`);
    return { ttftMs: secondAt + second.ttftMs, totalMs: secondAt + second.totalMs };
  });
}

/**
 * A row whose workers each go on one conversation: `exchange` sends the
 * conversation's next request and adds the answer to its messages; a
 * conversation starts as `opening` plus one (unmeasured) exchange.
 */
function goingOnRow(label: string, server: GatewayServer, opening: () => unknown[], exchange: (messages: unknown[]) => Promise<ChatSample>): Row {
  const conversations = new PerWorker(async () => {
    const messages = opening();
    await exchange(messages);
    return messages;
  });
  return gatewayRow(
    label,
    server,
    (worker) => conversations.next(worker, exchange),
    (workers) => conversations.prepare(workers),
  );
}

/** Each request the history of a conversation that had an exchange or more, plus a new user message: the ledger goes on with its idle session. */
export function continuingChatRow(label: string, server: GatewayServer): Row {
  return goingOnRow(label, server, () => [], async (messages) => {
    messages.push(userMessage());
    const sample = await gatewayChat(server.url, { model: TEST_MODEL, messages });
    messages.push({ role: "assistant", content: sample.text });
    return sample;
  });
}

/**
 * A chat UI's regenerate (`edit` false: the same history again, without the
 * last answer) or edit (`edit` true: the last user message replaced) on a
 * conversation that has an earlier exchange: the gateway rewinds its session
 * to before that user message. Checks it did.
 */
export function rewindingRow(label: string, server: GatewayServer, edit: boolean): Row {
  return goingOnRow(label, server, () => [userMessage(), { role: "assistant", content: "An earlier answer." }], async (messages) => {
    const first = messages.length === 2;
    if (first) messages.push(userMessage());
    else {
      messages.pop();
      if (edit) messages.splice(-1, 1, userMessage());
    }
    const sample = await gatewayChat(server.url, { model: TEST_MODEL, messages });
    if (!first && sample.origin !== "rewound") throw new Error(`bench: a ${edit ? "edited" : "regenerated"} turn was served ${sample.origin ?? "without an origin"}, not rewound`);
    messages.push({ role: "assistant", content: sample.text });
    return sample;
  });
}

/** Each request the results of the tool calls the last answer asked for: the session waiting on them goes on. */
export function agentStepRow(label: string, server: GatewayServer): Row {
  return goingOnRow(label, server, () => [userMessage()], async (messages) => {
    const sample = await gatewayChat(server.url, { model: TEST_MODEL, messages, tools: [LOOKUP_TOOL] });
    if (sample.toolCalls.length === 0) throw new Error(`bench: the agent step answered without a tool call: ${sample.text}`);
    messages.push({ role: "assistant", content: null, tool_calls: sample.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } })) });
    for (const call of sample.toolCalls) messages.push({ role: "tool", tool_call_id: call.id, content: `looked up ${call.arguments}` });
    return sample;
  });
}

/** The gateways a run starts (each on a runtime of its own) and the raw SDK rows; `stop` closes them all. */
export class BenchFleet {
  private readonly servers: GatewayServer[] = [];
  private raw: RawRows | undefined;

  async startRaw(): Promise<RawRows> {
    this.raw = await startRawRows();
    return this.raw;
  }

  async server(...args: Parameters<typeof startServer>): Promise<GatewayServer> {
    const started = await startServer(...args);
    this.servers.push(started);
    return started;
  }

  /** Stops every gateway and the raw SDK's runtimes; a second call stops nothing more. */
  async stop(): Promise<void> {
    for (const server of this.servers.splice(0)) await server.gateway.close().catch((error: unknown) => console.error("bench: stopping a gateway failed:", error));
    const raw = this.raw;
    this.raw = undefined;
    await raw?.stop().catch((error: unknown) => console.error("bench: stopping the raw SDK failed:", error));
  }
}

/** The raw SDK rows and the direct row, on one scripted upstream of their own. */
export interface RawRows {
  direct: Row;
  newSession: Row;
  reusedSession: Row;
  stop(): Promise<void>;
}

export async function startRawRows(): Promise<RawRows> {
  const upstream = await new ScriptedUpstream([TEST_MODEL]).start();
  upstream.respond(answer);
  const dirs = await Promise.all([mkdtemp(join(tmpdir(), "cgw-bench-raw-")), mkdtemp(join(tmpdir(), "cgw-bench-reused-"))]);
  // Two runtimes: sessions a reused row holds open would slow the new-session row's runtime down.
  const fresh = await spawnedRuntimes(() => RawSdk.start(dirs[0], upstream.baseUrl));
  const reused = await spawnedRuntimes(() => RawSdk.start(dirs[1], upstream.baseUrl));
  const sessions = new PerWorker<CopilotSession>(
    async () => {
      const session = await reused.value.openSession(TEST_MODEL);
      await reused.value.reusedSessionRequest(session, nextPrompt());
      return session;
    },
    (session) => reused.value.closeSession(session),
  );
  const forget = async () => void (upstream.calls.length = 0);
  return {
    direct: { label: "direct to the upstream", run: () => directRequest(upstream.baseUrl, TEST_MODEL, nextPrompt()), prepare: async () => {}, settle: forget, runtimePids: [] },
    newSession: {
      label: "raw SDK, new session",
      run: () => fresh.value.newSessionRequest(TEST_MODEL, nextPrompt()),
      prepare: async () => {},
      settle: async () => {
        await fresh.value.settle();
        await forget();
      },
      runtimePids: fresh.pids,
    },
    reusedSession: {
      label: "raw SDK, reused session",
      run: (worker) => sessions.next(worker, (session) => reused.value.reusedSessionRequest(session, nextPrompt())),
      prepare: (workers) => sessions.prepare(workers),
      settle: forget,
      runtimePids: reused.pids,
    },
    async stop() {
      await sessions.endAll();
      await Promise.all([fresh.value.stop(), reused.value.stop()]);
      await upstream.stop();
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}
