// `npx tsx tests/bench/rewind-rows.ts`: the rewinding and recycling rows alone, on the
// plan of `npm run bench` (BENCH_QUICK=1 for a few requests): at c=1 the raw
// SDK's reused session, a warm new conversation (recycling on, the default)
// and with recycling off, a continuing chat, a regenerated and an edited
// answer; at c=50 the new conversations and the continuing chat, each alone
// (see concurrencyN); then the targets
// and 1,000 rewinds of one session (rewinds.ts). The full
// bench has the same rows among all the others; this is for measuring them
// when a whole run does not fit.
import { loadLine, machineLine, printRows, printTargets, ratioTarget, type Results } from "./report.js";
import { FULL_PLAN, phases, QUICK_PLAN, runBench } from "./phases.js";
import { benchRewinds } from "./rewinds.js";
import { answer, BenchFleet, continuingChatRow, newConversationRow, rewindingRow, type Row } from "./rows.js";

const QUICK = process.env.BENCH_QUICK === "1";
const PLAN = QUICK ? QUICK_PLAN : FULL_PLAN;
const { sequential, phase, concurrentEachAlone } = phases(PLAN);

async function main(): Promise<number> {
  const loadAtStart = loadLine();
  console.log(`bench (rewinding and recycling rows): ${new Date().toISOString()}, ${machineLine()}; load average ${loadAtStart}${QUICK ? "; BENCH_QUICK" : ""}`);
  const c1 = await concurrencyOne();
  const cN = await concurrencyN();
  const loadAtEnd = loadLine();
  printRows(1, c1, "raw SDK, reused session");
  printRows(PLAN.concurrency, cN, "gateway, continuing chat");
  const get = (results: Results, label: string) => results.get(label)!;
  const n = PLAN.concurrency;
  const [warm, unrecycled, chat] = ["gateway, new conversation, warm", "gateway, new conv., warm, recycling off", "gateway, continuing chat"];
  printTargets([
    ratioTarget("c=1  new conversation, warm (recycling on) / raw SDK reused session, TTFT p50", get(c1, warm).ttftP50, get(c1, "raw SDK, reused session").ttftP50, 1.15),
    ratioTarget(`c=${n} new conversation, warm (recycling on) / continuing chat, TTFT p50`, get(cN, warm).ttftP50, get(cN, chat).ttftP50, 1.3),
    ratioTarget(`c=${n} runtime CPU per new conversation, recycling on / off`, get(cN, warm).runtimeCpuMsPerRequest, get(cN, unrecycled).runtimeCpuMsPerRequest, 0.6),
    ratioTarget("c=1  regenerated answer / continuing chat, TTFT p50", get(c1, "gateway, regenerated answer (rewound)").ttftP50, get(c1, chat).ttftP50, 1.2),
    ratioTarget("c=1  edited message / continuing chat, TTFT p50", get(c1, "gateway, edited message (rewound)").ttftP50, get(c1, chat).ttftP50, 1.2),
  ]);
  console.log(`c=${n}: each row alone on a gateway of its own, one after another (rows side by side do not fit in this machine's memory).`);
  console.log(`load average (1/5/15 min) ${loadAtStart} at the start, ${loadAtEnd} at the end`);
  await benchRewinds(QUICK ? 100 : 1_000);
  return 0;
}

async function concurrencyOne(): Promise<Results> {
  const fleet = new BenchFleet();
  try {
    const raw = await fleet.startRaw();
    const server = (...args: Parameters<typeof fleet.server>) => fleet.server(...args);
    const rows: Row[] = [
      raw.reusedSession,
      newConversationRow("gateway, new conversation, warm", await server({}, {}, answer)),
      newConversationRow("gateway, new conv., warm, recycling off", await server({ recycledSessions: 0 }, {}, answer)),
      continuingChatRow("gateway, continuing chat", await server({}, {}, answer)),
      rewindingRow("gateway, regenerated answer (rewound)", await server({}, {}, answer), false),
      rewindingRow("gateway, edited message (rewound)", await server({}, {}, answer), true),
    ];
    console.log(`bench: concurrency 1 — ${PLAN.blocks} blocks of ${PLAN.block} per row after ${PLAN.warmup} warm-ups …`);
    return (await phase(rows, PLAN.blocks, (row) => sequential(row, PLAN.warmup), (row, into) => sequential(row, PLAN.block, into))).results;
  } finally {
    await fleet.stop();
  }
}

/** At c=50 each row alone (phases.ts, concurrentEachAlone: side by side their runtimes do not fit in 24 GB). */
function concurrencyN(): Promise<Results> {
  console.log(`bench: concurrency ${PLAN.concurrency} — ${PLAN.rounds} rounds per row after one warm-up round, each row alone …`);
  return concurrentEachAlone([
    async (fleet) => newConversationRow("gateway, new conversation, warm", await fleet.server({}, {}, answer)),
    async (fleet) => newConversationRow("gateway, new conv., warm, recycling off", await fleet.server({ recycledSessions: 0 }, {}, answer)),
    async (fleet) => continuingChatRow("gateway, continuing chat", await fleet.server({}, {}, answer)),
  ]);
}

runBench(main);
