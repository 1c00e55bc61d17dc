// `npx tsx tests/bench/rewind-rows.ts`: the rewinding and recycling rows alone, on the
// plan of `npm run bench` (BENCH_QUICK=1 for a few requests): at c=1 the raw
// SDK's reused session, a warm new conversation (recycling on, the default)
// and with recycling off, a continuing chat, a regenerated and an edited
// answer; at c=50 the new conversations and the continuing chat; then the
// issue's targets and 1,000 rewinds of one session (rewinds.ts). The full
// bench has the same rows among all the others; this is for measuring them
// when a whole run does not fit.
import { loadLine, machineLine, printRows, printTargets, ratioTarget, type Results } from "./report.js";
import { FULL_PLAN, phases, QUICK_PLAN, runBench } from "./phases.js";
import { benchRewinds } from "./rewinds.js";
import { answer, BenchFleet, continuingChatRow, newConversationRow, rewindingRow, type Row } from "./rows.js";

const QUICK = process.env.BENCH_QUICK === "1";
const PLAN = QUICK ? QUICK_PLAN : FULL_PLAN;
const { sequential, concurrentRound, phase } = phases(PLAN);

async function main(): Promise<number> {
  const loadAtStart = loadLine();
  console.log(`bench (rewinding and recycling rows): ${new Date().toISOString()}, ${machineLine()}; load average ${loadAtStart}${QUICK ? "; BENCH_QUICK" : ""}`);
  const fleet = new BenchFleet();
  try {
    const raw = await fleet.startRaw();
    const server = (...args: Parameters<typeof fleet.server>) => fleet.server(...args);
    const rows = {
      rawReused: raw.reusedSession,
      warm: newConversationRow("gateway, new conversation, warm", await server({}, {}, answer)),
      unrecycled: newConversationRow("gateway, new conv., warm, recycling off", await server({ recycledSessions: 0 }, {}, answer)),
      chat: continuingChatRow("gateway, continuing chat", await server({}, {}, answer)),
      regenerate: rewindingRow("gateway, regenerated answer (rewound)", await server({}, {}, answer), false),
      edit: rewindingRow("gateway, edited message (rewound)", await server({}, {}, answer), true),
    };
    const common: Row[] = [rows.rawReused, rows.warm, rows.unrecycled, rows.chat];
    console.log(`bench: concurrency 1 — ${PLAN.blocks} blocks of ${PLAN.block} per row after ${PLAN.warmup} warm-ups …`);
    const { results: c1 } = await phase([...common, rows.regenerate, rows.edit], PLAN.blocks, (row) => sequential(row, PLAN.warmup), (row, into) => sequential(row, PLAN.block, into));
    console.log(`bench: concurrency ${PLAN.concurrency} — ${PLAN.rounds} rounds per row after one warm-up round …`);
    const { results: cN } = await phase(common, PLAN.rounds, (row) => concurrentRound(row), (row, into) => concurrentRound(row, into));
    const loadAtEnd = loadLine();
    printRows(1, c1, rows.rawReused.label);
    printRows(PLAN.concurrency, cN, rows.rawReused.label);
    const get = (results: Results, row: Row) => results.get(row.label)!;
    const n = PLAN.concurrency;
    printTargets([
      ratioTarget("c=1  new conversation, warm (recycling on) / raw SDK reused session, TTFT p50", get(c1, rows.warm).ttftP50, get(c1, rows.rawReused).ttftP50, 1.15),
      ratioTarget(`c=${n} new conversation, warm (recycling on) / continuing chat, TTFT p50`, get(cN, rows.warm).ttftP50, get(cN, rows.chat).ttftP50, 1.3),
      ratioTarget(`c=${n} runtime CPU per new conversation, recycling on / off`, get(cN, rows.warm).runtimeCpuMsPerRequest, get(cN, rows.unrecycled).runtimeCpuMsPerRequest, 0.6),
      ratioTarget("c=1  regenerated answer / continuing chat, TTFT p50", get(c1, rows.regenerate).ttftP50, get(c1, rows.chat).ttftP50, 1.2),
      ratioTarget("c=1  edited message / continuing chat, TTFT p50", get(c1, rows.edit).ttftP50, get(c1, rows.chat).ttftP50, 1.2),
    ]);
    console.log(`load average (1/5/15 min) ${loadAtStart} at the start, ${loadAtEnd} at the end`);
    await benchRewinds(QUICK ? 100 : 1_000);
    return 0;
  } finally {
    await fleet.stop();
  }
}

runBench(main);
