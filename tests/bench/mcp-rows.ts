// `npx tsx tests/bench/mcp-rows.ts`: the server-side tools (MCP) section of
// `npm run bench` alone (mcp-section.ts), on the same plan (BENCH_QUICK=1 for
// a few requests), beside its own warm new conversation without MCP: for
// measuring those rows when a whole run does not fit.
import { loadLine, machineLine, printRows, printTargets, printToolCall } from "./report.js";
import { benchMcp, MCP_BASELINE } from "./mcp-section.js";
import { FULL_PLAN, phases, QUICK_PLAN, runBench } from "./phases.js";

const QUICK = process.env.BENCH_QUICK === "1";
const PLAN = QUICK ? QUICK_PLAN : FULL_PLAN;

async function main(): Promise<number> {
  const loadAtStart = loadLine();
  console.log(`bench (MCP rows): ${new Date().toISOString()}, ${machineLine()}; load average ${loadAtStart}${QUICK ? "; BENCH_QUICK" : ""}`);
  const mcp = await benchMcp(phases(PLAN));
  printRows(1, mcp.c1, MCP_BASELINE);
  printRows(PLAN.concurrency, mcp.cN, MCP_BASELINE);
  printTargets(mcp.targets);
  console.log(`the same 13 tools declared by the client / none, TTFT p50 (what offering them costs, MCP or not): c=1 ${mcp.floor.c1.toFixed(3)}×, c=${PLAN.concurrency} ${mcp.floor.cN.toFixed(3)}×`);
  printToolCall(mcp.toolCall.server, mcp.toolCall.client, mcp.toolCall.roundTrip);
  console.log(`load average (1/5/15 min) ${loadAtStart} at the start, ${loadLine()} at the end`);
  return 0;
}

runBench(main);
