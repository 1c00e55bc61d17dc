// `npm run bench`: one run prints,
// side by side at concurrency 1 and 50, streaming TTFT p50/p99, total time,
// throughput, CPU per request (this process, and the runtime serving the
// row) and memory for:
//   direct to the scripted upstream;
//   the raw SDK with a new session per request, and with a reused session
//     (one per worker, a new user message each request);
//   the gateway: a new conversation with no warm session (cold,
//     warmSessions 0) and with one ready (warm, the default); a continuing
//     chat (the history plus a new user message); an agent step (tool results);
//     and a new conversation on the old session options (the gateway on a
//     runtime of the bench's own that opens sessions as the gateway once did,
//     old-options-runtime.ts), beside the new, for the runtime's CPU;
//   a new conversation with one stdio MCP server granted (server-everything),
//     cold and warm, beside those without;
//   at concurrency 1 only, the echo tool call run on the server (one request)
//     against the same call run by the client (two requests on one session);
//   at concurrency 50 also the default gateway on N runtimes (1 against N);
// then the ratios against the targets, where the gateway's TTFT goes, the
// tool call loops and the gateway's share of a server-side call's round trip,
// what fingerprinting a 200-message conversation costs, and — unless
// BENCH_QUICK — the agent loop, seeding, and one conversation across two
// replicas, sticky against bounced.
//
// It reports; it does not fail: the exit code is 0 when targets are missed,
// and non-zero only when a request failed or the bench itself broke.
// BENCH_QUICK=1 runs a few requests per row, for working on the bench.
// Not a vitest file (vitest only picks up tests/**/*.test.ts).
import { cpus } from "node:os";
import { benchAgentLoop } from "./agent-loop.js";
import {
  codeVersion,
  loadLine,
  machineLine,
  overheadTargets,
  ownShareTarget,
  printBreakdown,
  printPool,
  printRows,
  printTargets,
  printToolCall,
  ratioTarget,
  toolShareTarget,
  type Results,
} from "./report.js";
import { agentStepRow, answer, clientToolCallRow, continuingChatRow, echoThenAnswer, endlessToolLoop, mcpGranted, newConversationRow, serverToolCallRow, startRawRows, startServer, type GatewayServer, type RawRows, type Row } from "./rows.js";
import { fingerprintCost } from "./fingerprints.js";
import { OldOptionsRuntime } from "./old-options-runtime.js";
import { benchReplicas } from "./replicas.js";
import { benchSeeding } from "./seeding.js";
import { otherCpuBetween, otherProcessesCpuMs, percentile, processCpuMs, residentBytes, summarize, type Measurement, type Sample } from "./stats.js";

const QUICK = process.env.BENCH_QUICK === "1";
const PLAN = QUICK
  ? { warmup: 2, block: 5, blocks: 2, concurrency: 8, rounds: 2, breakdown: 5, watchdogMs: 5 * 60_000 }
  : // 20 ABBA blocks of 10 = 200 requests per row at c=1; 6 rounds of 50 after one warm-up round at c=50.
    { warmup: 10, block: 10, blocks: 20, concurrency: 50, rounds: 6, breakdown: 50, watchdogMs: 20 * 60_000 };
/** 1 against N runtimes: as many as the machine has cores, at least 2. */
const POOL = Math.max(2, cpus().length);

const empty = (): Measurement => ({ samples: [], wallMs: 0, selfCpuMs: 0, runtimeCpuMs: 0, runtimeRssBytes: 0, selfRssBytes: 0 });
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Runs one block of `workers` workers (after the row's unmeasured prepare) and
 * adds its samples, wall time, CPU time and the memory after it to `into`
 * (nothing for a warm-up).
 */
async function measure(row: Row, workers: number, into: Measurement | undefined, body: () => Promise<Sample[]>): Promise<void> {
  const stage = { at: "prepare", since: performance.now() };
  const report = setInterval(() => console.error(`bench: row "${row.label}" (${workers} workers) still in ${stage.at} after ${((performance.now() - stage.since) / 1000).toFixed(0)} s`), 60_000);
  try {
    await measureBlock(row, workers, into, body, stage);
  } catch (error) {
    throw new Error(`row "${row.label}" (${workers} workers), in ${stage.at}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    clearInterval(report);
  }
}

async function measureBlock(row: Row, workers: number, into: Measurement | undefined, body: () => Promise<Sample[]>, stage: { at: string; since: number }): Promise<void> {
  await row.prepare(workers);
  stage.at = "settle before";
  await row.settle();
  const cpu = process.cpuUsage();
  const runtimeCpu = sum(row.runtimePids.map(processCpuMs));
  const opened = row.sessionsOpened?.();
  const started = performance.now();
  stage.at = "requests";
  const samples = await body();
  stage.at = "settle after";
  await row.settle();
  if (!into) return;
  into.wallMs += performance.now() - started;
  const self = process.cpuUsage(cpu);
  into.selfCpuMs += (self.user + self.system) / 1000;
  into.runtimeCpuMs += sum(row.runtimePids.map(processCpuMs)) - runtimeCpu;
  into.samples.push(...samples);
  if (opened !== undefined) into.sessionsOpened = (into.sessionsOpened ?? 0) + row.sessionsOpened!() - opened;
  into.runtimeRssBytes = sum(row.runtimePids.map(residentBytes));
  into.selfRssBytes = process.memoryUsage().rss;
}

/**
 * Requests one after another. Each starts once no session open, suspend or close of
 * the row is in flight, so a request pays neither for the previous one's
 * cleanup nor for a warm session's refill (both are in the row's CPU time;
 * the gateway's ledger may still evict a session during a request: that
 * cost is its own).
 */
function sequential(row: Row, count: number, into?: Measurement): Promise<void> {
  return measure(row, 1, into, async () => {
    const samples: Sample[] = [];
    for (let i = 0; i < count; i++) {
      samples.push(await row.run(0));
      await row.settle();
    }
    return samples;
  });
}

function concurrentRound(row: Row, into?: Measurement): Promise<void> {
  return measure(row, PLAN.concurrency, into, () => Promise.all(Array.from({ length: PLAN.concurrency }, (_, worker) => row.run(worker))));
}

/** A B C … C B A A B C …: no row always runs first, and drift hits them all alike. */
function* alternating(rows: readonly Row[], blocks: number): Generator<Row> {
  for (let block = 0; block < blocks; block++) yield* block % 2 === 0 ? rows : [...rows].reverse();
}

/** Warms every row up, then measures them in alternating blocks; the summaries by row label, and each row's measurement. */
async function phase(
  rows: readonly Row[],
  blocks: number,
  warmUp: (row: Row) => Promise<void>,
  block: (row: Row, into: Measurement) => Promise<void>,
): Promise<{ results: Results; measured: Map<Row, Measurement> }> {
  for (const row of rows) await warmUp(row);
  const measured = new Map(rows.map((row) => [row, empty()]));
  for (const row of alternating(rows, blocks)) await block(row, measured.get(row)!);
  return { results: new Map(rows.map((row) => [row.label, summarize(measured.get(row)!)])), measured };
}

async function main(): Promise<number> {
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${PLAN.watchdogMs / 60_000} min; giving up`);
    process.exit(1);
  }, PLAN.watchdogMs);
  watchdog.unref();
  const benchStarted = performance.now();
  const loadAtStart = loadLine();
  console.log(`bench: ${new Date().toISOString()}, ${machineLine()}; load average ${loadAtStart}${QUICK ? "; BENCH_QUICK: a few requests per row, figures are rough" : ""}`);
  const othersAtStart = otherProcessesCpuMs();

  const servers: GatewayServer[] = [];
  let raw: RawRows | undefined;
  try {
    raw = await startRawRows();
    const server = async (...args: Parameters<typeof startServer>) => {
      const started = await startServer(...args);
      servers.push(started);
      return started;
    };
    const cold = await server({ warmSessions: 0 }, {}, answer);
    const warm = await server({}, {}, answer);
    // The gateway as it once was: the old session options, no warm session, idle sessions suspended.
    const old = await server({ warmSessions: 0, liveSessions: 0 }, { runtime: (settings) => new OldOptionsRuntime(settings) }, answer);
    const chat = await server({}, {}, answer);
    const agent = await server({}, {}, endlessToolLoop());
    const pool = await server({}, { processes: POOL }, answer);

    const rows = {
      direct: raw.direct,
      rawNew: raw.newSession,
      rawReused: raw.reusedSession,
      cold: newConversationRow("gateway, new conversation, cold", cold),
      warm: newConversationRow("gateway, new conversation, warm", warm),
      chat: continuingChatRow("gateway, continuing chat", chat),
      agent: agentStepRow("gateway, agent step", agent),
      old: newConversationRow("gateway, new conv., old session options", old),
      pool: newConversationRow(`gateway, new conversation, warm, ${POOL} runtimes`, pool),
    };
    const common = [rows.direct, rows.rawNew, rows.rawReused, rows.cold, rows.warm, rows.chat, rows.agent, rows.old];

    console.log(`bench: concurrency 1 — ${PLAN.blocks} blocks of ${PLAN.block} per row after ${PLAN.warmup} warm-ups, rows alternating …`);
    const { results: c1, measured: c1Measured } = await phase(
      common,
      PLAN.blocks,
      (row) => sequential(row, PLAN.warmup),
      (row, into) => sequential(row, PLAN.block, into),
    );

    console.log(`bench: where the gateway's TTFT goes — ${PLAN.breakdown} instrumented requests at concurrency 1 on two rows …`);
    const instrumented = (server: GatewayServer, row: Row) => server.probe.breakdown({ prepare: () => row.prepare(1), run: () => row.run(0) }, PLAN.breakdown);
    const coldBreakdown = await instrumented(cold, rows.cold);
    const coldSessions = { open: cold.probe.openSessions(), live: cold.probe.liveSessions() };
    const chatBreakdown = await instrumented(chat, rows.chat);

    console.log(`bench: concurrency ${PLAN.concurrency} — ${PLAN.rounds} rounds per row after one warm-up round, rows alternating …`);
    const { results: cN } = await phase(
      [...common, rows.pool],
      PLAN.rounds,
      (row) => concurrentRound(row),
      (row, into) => concurrentRound(row, into),
    );
    const loadAtEnd = loadLine();
    // What disturbed the rows above; the MCP section's own server processes count as other processes, so it is read before them.
    const benchMs = performance.now() - benchStarted;
    const otherShare = otherCpuBetween(othersAtStart, otherProcessesCpuMs()) / (benchMs * cpus().length);

    // Last, beside the warm row again: each MCP row's gateway runs a
    // server-everything process of its own (and with GATEWAY_MCP_SHARED_STDIO
    // off, its runtime one per live session, ~50 MB each), which would
    // disturb every row measured after them.
    console.log(`bench: server-side tools (MCP) — the same plan, beside the warm new conversation …`);
    // One stdio MCP server granted (the gateway runs one server-everything, shared by the sessions), no tool called.
    const coldMcp = await server({ ...mcpGranted(), warmSessions: 0 }, {}, answer);
    const warmMcp = await server(mcpGranted(), {}, answer);
    // The same echo call, run by the runtime on the server, or handed to the client.
    const serverTool = await server(mcpGranted(), {}, echoThenAnswer("everything-echo"));
    const clientTool = await server({}, {}, echoThenAnswer("echo"));
    const mcpRows = {
      coldMcp: newConversationRow("gateway, new conv., MCP granted, cold", coldMcp),
      warmMcp: newConversationRow("gateway, new conv., MCP granted, warm", warmMcp),
      serverTool: serverToolCallRow("gateway, tool call run on the server (1 req)", serverTool),
      clientTool: clientToolCallRow("gateway, tool call run by the client (2 req)", clientTool),
    };
    const { results: mcp1 } = await phase(
      // The tool call rows at c=1 only: what they compare is one loop's latency.
      [rows.warm, mcpRows.coldMcp, mcpRows.warmMcp, mcpRows.serverTool, mcpRows.clientTool],
      PLAN.blocks,
      (row) => sequential(row, PLAN.warmup),
      (row, into) => sequential(row, PLAN.block, into),
    );
    const toolRoundTrip = await serverTool.probe.toolRoundTrip({ prepare: () => mcpRows.serverTool.prepare(1), run: () => mcpRows.serverTool.run(0) }, PLAN.breakdown);
    const { results: mcpN } = await phase(
      [rows.warm, mcpRows.coldMcp, mcpRows.warmMcp],
      PLAN.rounds,
      (row) => concurrentRound(row),
      (row, into) => concurrentRound(row, into),
    );

    console.log("");
    console.log(`code: ${codeVersion()}`);
    console.log(
      `machine: ${machineLine()}; load average (1/5/15 min) ${loadAtStart} at the start, ${loadAtEnd} at the end; other processes used ${(otherShare * 100).toFixed(0)} % of the machine meanwhile${otherShare > 0.05 ? " — figures are disturbed, run again on a quiet machine" : ""}`,
    );
    printRows(1, c1, rows.rawReused.label);
    printRows(PLAN.concurrency, cN, rows.rawReused.label);
    console.log("server-side tools (MCP), measured after the rows above, against the warm new conversation measured beside them:");
    printRows(1, mcp1, rows.warm.label);
    printRows(PLAN.concurrency, mcpN, rows.warm.label);
    console.log(
      [
        `c=1: each request starts once the row has no session open, suspend or close in flight (a warm refill, an idle session suspended or closed); c=${PLAN.concurrency}: rounds of ${PLAN.concurrency} at once. Wall time, req/s and CPU include that background work.`,
        `Continuing chat, reused session and agent step go on one conversation (session) per worker, started afresh (unmeasured) once it had 10 exchanges; an agent step's first token is the tool call's first chunk.`,
        "cpu bench proc = this process: gateway apps, scripted upstreams, raw SDK clients and the load generator (the direct row's is the generator's and upstream's own); runtime = the Copilot runtime process(es) serving the row, with the helpers they spawn and the stdio MCP servers the row's gateway runs for them.",
        "sessions/req: new sessions the row's gateway opened per measured request (a warm refill counts; 0: every request went on a session it held).",
        "RSS after the row's last block: its runtime(s), and this process (shared by every row).",
      ].join("\n"),
    );

    const get = (results: Results, row: Row) => results.get(row.label)!;
    const pair = (results: Results, a: Row, b: Row): [ReturnType<typeof get>, ReturnType<typeof get>] => [get(results, a), get(results, b)];
    const n = PLAN.concurrency;
    printTargets([
      ratioTarget("c=1  new conversation, warm / raw SDK reused session, TTFT p50", get(c1, rows.warm).ttftP50, get(c1, rows.rawReused).ttftP50, 1.2),
      ratioTarget(`c=${n} new conversation, warm / raw SDK reused session, TTFT p50`, get(cN, rows.warm).ttftP50, get(cN, rows.rawReused).ttftP50, 1.2),
      ratioTarget("c=1  continuing chat / raw SDK reused session, TTFT p50", get(c1, rows.chat).ttftP50, get(c1, rows.rawReused).ttftP50, 1.2),
      ratioTarget(`c=${n} continuing chat / raw SDK reused session, TTFT p50`, get(cN, rows.chat).ttftP50, get(cN, rows.rawReused).ttftP50, 1.2),
      ...overheadTargets("gateway cold new conversation / raw SDK new session", pair(c1, rows.cold, rows.rawNew), pair(cN, rows.cold, rows.rawNew), n),
      ...overheadTargets("gateway continuing chat / raw SDK reused session", pair(c1, rows.chat, rows.rawReused), pair(cN, rows.chat, rows.rawReused), n),
      ownShareTarget("new conversation, cold", coldBreakdown),
      ownShareTarget("continuing chat", chatBreakdown),
      ratioTarget("c=1  new conversation, warm, MCP server granted / none, TTFT p50", get(mcp1, mcpRows.warmMcp).ttftP50, get(mcp1, rows.warm).ttftP50, 1.2),
      ratioTarget(`c=${n} new conversation, warm, MCP server granted / none, TTFT p50`, get(mcpN, mcpRows.warmMcp).ttftP50, get(mcpN, rows.warm).ttftP50, 1.2),
      toolShareTarget(toolRoundTrip),
      ratioTarget("c=1  runtime CPU per new conversation, warm (new) / old session options", get(c1, rows.warm).runtimeCpuMsPerRequest, get(c1, rows.old).runtimeCpuMsPerRequest, 0.5),
      ratioTarget(`c=${n} runtime CPU per new conversation, warm (new) / old session options`, get(cN, rows.warm).runtimeCpuMsPerRequest, get(cN, rows.old).runtimeCpuMsPerRequest, 0.5),
    ]);
    const coldOverOld = (results: Results) => (get(results, rows.cold).runtimeCpuMsPerRequest / get(results, rows.old).runtimeCpuMsPerRequest).toFixed(3);
    console.log(`(runtime CPU per new conversation, cold with the new session options / old session options, without warm sessions on either: c=1 ${coldOverOld(c1)}×, c=${n} ${coldOverOld(cN)}×)`);

    printPool(n, get(cN, rows.warm), get(cN, rows.pool), POOL, { start: loadAtStart, end: loadAtEnd });

    printToolCall(get(mcp1, mcpRows.serverTool), get(mcp1, mcpRows.clientTool), toolRoundTrip);

    const rawNewSamples = c1Measured.get(rows.rawNew)!.samples;
    printBreakdown(
      coldBreakdown,
      chatBreakdown,
      {
        newSession: {
          openSessionMs: percentile(rawNewSamples.map((s) => s.openMs ?? Number.NaN), 50),
          toFirstDeltaMs: percentile(rawNewSamples.map((s) => s.ttftMs - (s.openMs ?? Number.NaN)), 50),
        },
        reusedToFirstDeltaMs: get(c1, rows.rawReused).ttftP50,
      },
      coldSessions,
    );
    const fingerprints = fingerprintCost(200);
    console.log(
      `fingerprinting a 200-message agent conversation (the chain the ledger finds its session by): ${fingerprints.totalMs.toFixed(3)} ms, ${fingerprints.perMessageUs.toFixed(2)} µs per message (hot, in a loop; p50 of 200 runs)`,
    );
    console.log("");
    console.log(`main bench took ${(benchMs / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    for (const server of servers) await server.gateway.close().catch((error: unknown) => console.error("bench: stopping a gateway failed:", error));
    await raw?.stop().catch((error: unknown) => console.error("bench: stopping the raw SDK failed:", error));
  }
}

async function all(): Promise<number> {
  const started = performance.now();
  const code = await main();
  if (code !== 0) return code;
  if (QUICK) {
    console.log("BENCH_QUICK: the agent-loop and seeding sections are left out.");
    return 0;
  }
  await benchAgentLoop();
  await benchSeeding();
  await benchReplicas();
  console.log("");
  console.log(`bench took ${((performance.now() - started) / 1000).toFixed(1)} s in all; load average at the end ${loadLine()}`);
  return 0;
}

all().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("bench: broke:", error);
    process.exit(1);
  },
);
