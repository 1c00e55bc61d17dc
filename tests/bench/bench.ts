// `npm run bench`: one run prints,
// side by side at concurrency 1 and 50, streaming TTFT p50/p99, total time,
// throughput, CPU per request (this process, and the runtime serving the
// row) and memory for:
//   direct to the scripted upstream;
//   the raw SDK with a new session per request, and with a reused session
//     (one per worker, a new user message each request);
//   the gateway: a new conversation with no warm session (cold,
//     warmSessions 0, recycledSessions 0) and with one ready (warm, the default: ended
//     conversations' sessions recycled too), and warm with recycling off
//     (recycledSessions 0); a continuing
//     chat (the history plus a new user message); an agent step (tool results);
//     and a new conversation on the old session options (the gateway on a
//     runtime of the bench's own that opens sessions as the gateway once did,
//     old-options-runtime.ts), beside the new, for the runtime's CPU;
//   a new conversation with one stdio MCP server granted (server-everything),
//     cold and warm, beside those without;
//   at concurrency 1 only, a regenerated and an edited answer (the session
//     rewound in place), beside the continuing chat;
//   at concurrency 1 only, the echo tool call run on the server (one request)
//     against the same call run by the client (two requests on one session);
//   at concurrency 50 also the default gateway on N runtimes (1 against N);
// then the ratios against the targets, where the gateway's TTFT goes, the
// tool call loops and the gateway's share of a server-side call's round trip,
// what fingerprinting a 200-message conversation costs, what 1,000 rewinds
// of one session cost its runtime (rewinds.ts; 100 with BENCH_QUICK), and —
// unless BENCH_QUICK — the agent loop, seeding, and one conversation across
// two replicas, sticky against bounced.
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
  type Results,
} from "./report.js";
import { agentStepRow, answer, BenchFleet, continuingChatRow, endlessToolLoop, newConversationRow, rewindingRow, type GatewayServer, type Row } from "./rows.js";
import { benchMcp, MCP_BASELINE } from "./mcp-section.js";
import { benchRewinds } from "./rewinds.js";
import { fingerprintCost } from "./fingerprints.js";
import { OldOptionsRuntime } from "./old-options-runtime.js";
import { benchReplicas } from "./replicas.js";
import { benchSeeding } from "./seeding.js";
import { FULL_PLAN, phases, QUICK_PLAN, runBench } from "./phases.js";
import { otherCpuBetween, otherProcessesCpuMs, percentile } from "./stats.js";

const QUICK = process.env.BENCH_QUICK === "1";
const PLAN = QUICK ? QUICK_PLAN : FULL_PLAN;
const PHASES = phases(PLAN);
const { sequential, concurrentRound, phase } = PHASES;
/** 1 against N runtimes: as many as the machine has cores, at least 2. */
const POOL = Math.max(2, cpus().length);

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

  const fleet = new BenchFleet();
  try {
    const raw = await fleet.startRaw();
    const server = (...args: Parameters<typeof fleet.server>) => fleet.server(...args);
    // Cold: every new conversation opens its session (no warm one, none recycled).
    const cold = await server({ warmSessions: 0, recycledSessions: 0 }, {}, answer);
    const warm = await server({}, {}, answer);
    const unrecycled = await server({ recycledSessions: 0 }, {}, answer);
    // The gateway as it once was: the old session options, no warm session, idle sessions suspended.
    const old = await server({ warmSessions: 0, liveSessions: 0 }, { runtime: (settings) => new OldOptionsRuntime(settings) }, answer);
    const chat = await server({}, {}, answer);
    const agent = await server({}, {}, endlessToolLoop());
    const pool = await server({}, { processes: POOL }, answer);
    const regenerate = await server({}, {}, answer);
    const editing = await server({}, {}, answer);

    const rows = {
      direct: raw.direct,
      rawNew: raw.newSession,
      rawReused: raw.reusedSession,
      cold: newConversationRow("gateway, new conversation, cold", cold),
      warm: newConversationRow("gateway, new conversation, warm", warm),
      unrecycled: newConversationRow("gateway, new conv., warm, recycling off", unrecycled),
      chat: continuingChatRow("gateway, continuing chat", chat),
      agent: agentStepRow("gateway, agent step", agent),
      old: newConversationRow("gateway, new conv., old session options", old),
      pool: newConversationRow(`gateway, new conversation, warm, ${POOL} runtimes`, pool),
      regenerate: rewindingRow("gateway, regenerated answer (rewound)", regenerate, false),
      edit: rewindingRow("gateway, edited message (rewound)", editing, true),
    };
    const common = [rows.direct, rows.rawNew, rows.rawReused, rows.cold, rows.warm, rows.unrecycled, rows.chat, rows.agent, rows.old];

    console.log(`bench: concurrency 1 — ${PLAN.blocks} blocks of ${PLAN.block} per row after ${PLAN.warmup} warm-ups, rows alternating …`);
    const { results: c1, measured: c1Measured } = await phase(
      [...common, rows.regenerate, rows.edit],
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

    // Last, on gateways of its own (mcp-section.ts says why).
    console.log(`bench: server-side tools (MCP) — the same plan, beside a warm new conversation without MCP …`);
    // The rows' runtimes hold GBs: stopped before the section starts its own.
    await fleet.stop();
    const mcp = await benchMcp(PHASES);
    const { c1: mcp1, cN: mcpN } = mcp;

    console.log("");
    console.log(`code: ${codeVersion()}`);
    console.log(
      `machine: ${machineLine()}; load average (1/5/15 min) ${loadAtStart} at the start, ${loadAtEnd} at the end; other processes used ${(otherShare * 100).toFixed(0)} % of the machine meanwhile${otherShare > 0.05 ? " — figures are disturbed, run again on a quiet machine" : ""}`,
    );
    printRows(1, c1, rows.rawReused.label);
    printRows(PLAN.concurrency, cN, rows.rawReused.label);
    console.log("server-side tools (MCP), measured after the rows above, against the section's own warm new conversation without MCP:");
    printRows(1, mcp1, MCP_BASELINE);
    printRows(PLAN.concurrency, mcpN, MCP_BASELINE);
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
      ...mcp.targets,
      ratioTarget("c=1  runtime CPU per new conversation, warm (new) / old session options", get(c1, rows.warm).runtimeCpuMsPerRequest, get(c1, rows.old).runtimeCpuMsPerRequest, 0.5),
      ratioTarget(`c=${n} runtime CPU per new conversation, warm (new) / old session options`, get(cN, rows.warm).runtimeCpuMsPerRequest, get(cN, rows.old).runtimeCpuMsPerRequest, 0.5),
      ratioTarget("c=1  new conversation, warm (recycling on) / raw SDK reused session, TTFT p50", get(c1, rows.warm).ttftP50, get(c1, rows.rawReused).ttftP50, 1.15),
      ratioTarget(`c=${n} new conversation, warm (recycling on) / continuing chat, TTFT p50`, get(cN, rows.warm).ttftP50, get(cN, rows.chat).ttftP50, 1.3),
      ratioTarget(`c=${n} runtime CPU per new conversation, recycling on / off`, get(cN, rows.warm).runtimeCpuMsPerRequest, get(cN, rows.unrecycled).runtimeCpuMsPerRequest, 0.6),
      ratioTarget("c=1  regenerated answer / continuing chat, TTFT p50", get(c1, rows.regenerate).ttftP50, get(c1, rows.chat).ttftP50, 1.2),
      ratioTarget("c=1  edited message / continuing chat, TTFT p50", get(c1, rows.edit).ttftP50, get(c1, rows.chat).ttftP50, 1.2),
    ]);
    const coldOverOld = (results: Results) => (get(results, rows.cold).runtimeCpuMsPerRequest / get(results, rows.old).runtimeCpuMsPerRequest).toFixed(3);
    console.log(`(runtime CPU per new conversation, cold with the new session options / old session options, without warm sessions on either: c=1 ${coldOverOld(c1)}×, c=${n} ${coldOverOld(cN)}×)`);

    printPool(n, get(cN, rows.warm), get(cN, rows.pool), POOL, { start: loadAtStart, end: loadAtEnd });

    console.log(`the same 13 tools declared by the client / none, TTFT p50 (what offering them costs, MCP or not): c=1 ${mcp.floor.c1.toFixed(3)}×, c=${PLAN.concurrency} ${mcp.floor.cN.toFixed(3)}×`);
    printToolCall(mcp.toolCall.server, mcp.toolCall.client, mcp.toolCall.roundTrip);

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
    await benchRewinds(QUICK ? 100 : 1_000);
    console.log("");
    console.log(`main bench took ${(benchMs / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    await fleet.stop();
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

runBench(all);
