// `npx tsx tests/bench/mcp-rows.ts`: the server-side tools (MCP) section of
// `npm run bench` alone (mcp-section.ts), on the same plan (BENCH_QUICK=1 for
// a few requests), beside its own warm new conversation without MCP: for
// measuring those rows when a whole run does not fit.
import { loadLine, machineLine, printRows, printTargets, printToolCall } from "./report.js";
import { benchMcp, MCP_BASELINE } from "./mcp-section.js";
import { FULL_PLAN, phases, QUICK_PLAN, runBench } from "./phases.js";
import { BenchFleet } from "./rows.js";

const QUICK = process.env.BENCH_QUICK === "1";
const PLAN = QUICK ? QUICK_PLAN : FULL_PLAN;

async function main(): Promise<number> {
  const loadAtStart = loadLine();
  console.log(`bench (MCP rows): ${new Date().toISOString()}, ${machineLine()}; load average ${loadAtStart}${QUICK ? "; BENCH_QUICK" : ""}`);
  const fleet = new BenchFleet();
  try {
    const mcp = await benchMcp(fleet, phases(PLAN));
    printRows(1, mcp.c1, MCP_BASELINE);
    printRows(PLAN.concurrency, mcp.cN, MCP_BASELINE);
    printTargets(mcp.targets);
    printToolCall(mcp.toolCall.server, mcp.toolCall.client, mcp.toolCall.roundTrip);
    console.log(`load average (1/5/15 min) ${loadAtStart} at the start, ${loadLine()} at the end`);
    return 0;
  } finally {
    await fleet.stop();
  }
}

runBench(main);
