// The server-side tools (MCP) section of the bench: a new conversation with
// one stdio MCP server granted (the gateway runs one server-everything,
// whose tools the sessions are given), cold and warm, beside a warm new
// conversation without, on the section's own gateways (at c=50 each row
// alone); and at c=1 the echo tool call run on the server (one request)
// against the same call run by the client (two requests on one session).
// `npm run bench` runs it last (each row's gateway runs a server process of
// its own, which would disturb the rows after it); mcp-rows.ts runs it alone.
import { ratioTarget, toolShareTarget, type Results, type Target } from "./report.js";
import type { Phases } from "./phases.js";
import { answer, BenchFleet, clientToolCallRow, echoThenAnswer, mcpGranted, newConversationRow, serverToolCallRow } from "./rows.js";
import type { Summary } from "./stats.js";
import type { ToolRoundTrip } from "./gateway-probe.js";

export interface McpSection {
  c1: Results;
  cN: Results;
  targets: Target[];
  toolCall: { server: Summary; client: Summary; roundTrip: ToolRoundTrip };
}

/** The label of the section's own warm new conversation without MCP, which its MCP rows are set beside. */
export const MCP_BASELINE = "gateway, new conversation, warm (MCP section)";

/**
 * The section's gateways hold at most this many sessions: on this runtime a
 * session holds ~56 MB of its runtime's memory until it is closed (suspended
 * or not), so three new-conversation rows side by side at the default 200
 * grew to ~7 GB each and more, past what 24 GB hold.
 */
const SECTION_MAX_SESSIONS = 64;

export async function benchMcp(fleet: BenchFleet, { plan, sequential, concurrentRound, phase }: Phases): Promise<McpSection> {
  const server = (overrides: Parameters<BenchFleet["server"]>[0], responder = answer) => fleet.server({ maxSessions: SECTION_MAX_SESSIONS, ...overrides }, {}, responder);
  const warm = newConversationRow(MCP_BASELINE, await server({}));
  const serverToolGateway = await server(mcpGranted(), echoThenAnswer("everything-echo"));
  const rows = {
    coldMcp: newConversationRow(COLD_MCP, await server(COLD_MCP_CONFIG)),
    warmMcp: newConversationRow(WARM_MCP, await server(mcpGranted())),
    serverTool: serverToolCallRow("gateway, tool call run on the server (1 req)", serverToolGateway),
    clientTool: clientToolCallRow("gateway, tool call run by the client (2 req)", await server({}, echoThenAnswer("echo"))),
  };
  const { results: c1 } = await phase(
    // The tool call rows at c=1 only: what they compare is one loop's latency.
    [warm, rows.coldMcp, rows.warmMcp, rows.serverTool, rows.clientTool],
    plan.blocks,
    (row) => sequential(row, plan.warmup),
    (row, into) => sequential(row, plan.block, into),
  );
  const serverTool = rows.serverTool;
  const roundTrip = await serverToolGateway.probe.toolRoundTrip({ prepare: () => serverTool.prepare(1), run: () => serverTool.run(0) }, plan.breakdown);
  const cN = await eachAlone(plan.rounds, phase, concurrentRound);
  const get = (results: Results, label: string) => results.get(label)!;
  return {
    c1,
    cN,
    targets: [
      ratioTarget("c=1  new conversation, warm, MCP server granted / none, TTFT p50", get(c1, WARM_MCP).ttftP50, get(c1, MCP_BASELINE).ttftP50, 1.2),
      ratioTarget(`c=${plan.concurrency} new conversation, warm, MCP server granted / none, TTFT p50 (each row alone)`, get(cN, WARM_MCP).ttftP50, get(cN, MCP_BASELINE).ttftP50, 1.2),
      toolShareTarget(roundTrip),
    ],
    toolCall: { server: get(c1, serverTool.label), client: get(c1, rows.clientTool.label), roundTrip },
  };
}

const COLD_MCP = "gateway, new conv., MCP granted, cold";
const WARM_MCP = "gateway, new conv., MCP granted, warm";
const COLD_MCP_CONFIG = { ...mcpGranted(), warmSessions: 0, recycledSessions: 0 };

/**
 * The new-conversation rows at the plan's concurrency, each alone on a gateway of its
 * own, one after another: at c=50 a row's runtime holds several GB (see
 * SECTION_MAX_SESSIONS), and side by side they do not fit.
 */
async function eachAlone(rounds: number, phase: Phases["phase"], concurrentRound: Phases["concurrentRound"]): Promise<Results> {
  const results: Results = new Map();
  for (const [label, overrides] of [[MCP_BASELINE, {}], [COLD_MCP, COLD_MCP_CONFIG], [WARM_MCP, mcpGranted()]] as const) {
    const fleet = new BenchFleet();
    try {
      const row = newConversationRow(label, await fleet.server({ maxSessions: SECTION_MAX_SESSIONS, ...overrides }, {}, answer));
      const { results: one } = await phase([row], rounds, (r) => concurrentRound(r), (r, into) => concurrentRound(r, into));
      results.set(label, one.get(label)!);
    } finally {
      await fleet.stop();
    }
  }
  return results;
}
