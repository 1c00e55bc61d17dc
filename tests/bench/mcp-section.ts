// The server-side tools (MCP) section of the bench: a new conversation with
// one stdio MCP server granted (the gateway runs one server-everything,
// shared by the sessions), cold and warm, beside the warm new conversation
// without; and at c=1 the echo tool call run on the server (one request)
// against the same call run by the client (two requests on one session).
// `npm run bench` runs it last (each row's gateway runs a server process of
// its own, which would disturb the rows after it); mcp-rows.ts runs it alone.
import { ratioTarget, toolShareTarget, type Results, type Target } from "./report.js";
import type { Phases } from "./phases.js";
import { answer, clientToolCallRow, echoThenAnswer, mcpGranted, newConversationRow, serverToolCallRow, type BenchFleet, type Row } from "./rows.js";
import type { Summary } from "./stats.js";
import type { ToolRoundTrip } from "./gateway-probe.js";

export interface McpSection {
  c1: Results;
  cN: Results;
  targets: Target[];
  toolCall: { server: Summary; client: Summary; roundTrip: ToolRoundTrip };
}

export async function benchMcp(fleet: BenchFleet, warm: Row, { plan, sequential, concurrentRound, phase }: Phases): Promise<McpSection> {
  const server = (...args: Parameters<typeof fleet.server>) => fleet.server(...args);
  const coldMcp = await server({ ...mcpGranted(), warmSessions: 0, recycledSessions: 0 }, {}, answer);
  const warmMcp = await server(mcpGranted(), {}, answer);
  const serverTool = await server(mcpGranted(), {}, echoThenAnswer("everything-echo"));
  const clientTool = await server({}, {}, echoThenAnswer("echo"));
  const rows = {
    coldMcp: newConversationRow("gateway, new conv., MCP granted, cold", coldMcp),
    warmMcp: newConversationRow("gateway, new conv., MCP granted, warm", warmMcp),
    serverTool: serverToolCallRow("gateway, tool call run on the server (1 req)", serverTool),
    clientTool: clientToolCallRow("gateway, tool call run by the client (2 req)", clientTool),
  };
  const { results: c1 } = await phase(
    // The tool call rows at c=1 only: what they compare is one loop's latency.
    [warm, rows.coldMcp, rows.warmMcp, rows.serverTool, rows.clientTool],
    plan.blocks,
    (row) => sequential(row, plan.warmup),
    (row, into) => sequential(row, plan.block, into),
  );
  const roundTrip = await serverTool.probe.toolRoundTrip({ prepare: () => rows.serverTool.prepare(1), run: () => rows.serverTool.run(0) }, plan.breakdown);
  const { results: cN } = await phase(
    [warm, rows.coldMcp, rows.warmMcp],
    plan.rounds,
    (row) => concurrentRound(row),
    (row, into) => concurrentRound(row, into),
  );
  const get = (results: Results, row: Row) => results.get(row.label)!;
  return {
    c1,
    cN,
    targets: [
      ratioTarget("c=1  new conversation, warm, MCP server granted / none, TTFT p50", get(c1, rows.warmMcp).ttftP50, get(c1, warm).ttftP50, 1.2),
      ratioTarget(`c=${plan.concurrency} new conversation, warm, MCP server granted / none, TTFT p50`, get(cN, rows.warmMcp).ttftP50, get(cN, warm).ttftP50, 1.2),
      toolShareTarget(roundTrip),
    ],
    toolCall: { server: get(c1, rows.serverTool), client: get(c1, rows.clientTool), roundTrip },
  };
}
