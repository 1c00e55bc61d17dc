// The server-side tools (MCP) section of the bench: a new conversation with
// one stdio MCP server granted (the gateway runs one server-everything,
// whose tools the sessions are given), cold and warm, beside a warm new
// conversation without and one whose client declares the same 13 tools, on
// the section's own gateways (at c=50 each row alone); and at c=1 the echo tool call run on the server (one request)
// against the same call run by the client (two requests on one session).
// `npm run bench` runs it last (each row's gateway runs a server process of
// its own, which would disturb the rows after it); mcp-rows.ts runs it alone.
import { ratioTarget, toolShareTarget, type Results, type Target } from "./report.js";
import type { Phases } from "./phases.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { EVERYTHING_BIN } from "../support/mcp-servers.js";
import { answer, BenchFleet, clientToolCallRow, echoThenAnswer, mcpGranted, newConversationRow, serverToolCallRow } from "./rows.js";
import type { Summary } from "./stats.js";
import type { ToolRoundTrip } from "./gateway-probe.js";

export interface McpSection {
  c1: Results;
  cN: Results;
  targets: Target[];
  /** The same tools declared by the client / none, TTFT p50: the part of an MCP row's ratio that offering the tools costs. */
  floor: { c1: number; cN: number };
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

export async function benchMcp({ plan, sequential, phase, concurrentEachAlone }: Phases): Promise<McpSection> {
  const fleet = new BenchFleet();
  try {
    const c1 = await concurrencyOne(fleet, plan, sequential, phase);
    // The c=1 gateways' runtimes hold GBs: stopped before the c=50 rows start theirs.
    await fleet.stop();
    const cN = await eachAlone(concurrentEachAlone);
    const get = (results: Results, label: string) => results.get(label)!;
    return {
      c1: c1.results,
      cN,
      targets: [
        ratioTarget("c=1  new conversation, warm, MCP server granted / none, TTFT p50", get(c1.results, WARM_MCP).ttftP50, get(c1.results, MCP_BASELINE).ttftP50, 1.2),
        ratioTarget(`c=${plan.concurrency} new conversation, warm, MCP server granted / none, TTFT p50 (each row alone)`, get(cN, WARM_MCP).ttftP50, get(cN, MCP_BASELINE).ttftP50, 1.2),
        toolShareTarget(c1.roundTrip),
      ],
      floor: {
        c1: get(c1.results, DECLARED).ttftP50 / get(c1.results, MCP_BASELINE).ttftP50,
        cN: get(cN, DECLARED).ttftP50 / get(cN, MCP_BASELINE).ttftP50,
      },
      toolCall: { server: get(c1.results, SERVER_TOOL), client: get(c1.results, CLIENT_TOOL), roundTrip: c1.roundTrip },
    };
  } finally {
    await fleet.stop();
  }
}

async function concurrencyOne(fleet: BenchFleet, plan: Phases["plan"], sequential: Phases["sequential"], phase: Phases["phase"]): Promise<{ results: Results; roundTrip: ToolRoundTrip }> {
  const server = (overrides: Parameters<BenchFleet["server"]>[0], responder = answer) => fleet.server({ maxSessions: SECTION_MAX_SESSIONS, ...overrides }, {}, responder);
  const warm = newConversationRow(MCP_BASELINE, await server({}));
  const declared = newConversationRow(DECLARED, await server({}), await everythingToolsAsClientTools());
  const serverToolGateway = await server(mcpGranted(), echoThenAnswer("everything-echo"));
  const rows = {
    coldMcp: newConversationRow(COLD_MCP, await server(COLD_MCP_CONFIG)),
    warmMcp: newConversationRow(WARM_MCP, await server(mcpGranted())),
    serverTool: serverToolCallRow(SERVER_TOOL, serverToolGateway),
    clientTool: clientToolCallRow(CLIENT_TOOL, await server({}, echoThenAnswer("echo"))),
  };
  const { results: c1 } = await phase(
    // The tool call rows at c=1 only: what they compare is one loop's latency.
    [warm, declared, rows.coldMcp, rows.warmMcp, rows.serverTool, rows.clientTool],
    plan.blocks,
    (row) => sequential(row, plan.warmup),
    (row, into) => sequential(row, plan.block, into),
  );
  const serverTool = rows.serverTool;
  const roundTrip = await serverToolGateway.probe.toolRoundTrip({ prepare: () => serverTool.prepare(1), run: () => serverTool.run(0) }, plan.breakdown);
  return { results: c1, roundTrip };
}

const SERVER_TOOL = "gateway, tool call run on the server (1 req)";
const CLIENT_TOOL = "gateway, tool call run by the client (2 req)";
/** The same tools offered without MCP: what offering them costs the runtime, whoever runs them. */
const DECLARED = "gateway, new conv., its 13 tools declared by the client, warm";
const COLD_MCP = "gateway, new conv., MCP granted, cold";
const WARM_MCP = "gateway, new conv., MCP granted, warm";
const COLD_MCP_CONFIG = { ...mcpGranted(), warmSessions: 0, recycledSessions: 0 };

/** The new-conversation rows at the plan's concurrency, each alone (phases.ts, concurrentEachAlone). */
async function eachAlone(concurrentEachAlone: Phases["concurrentEachAlone"]): Promise<Results> {
  const declaredTools = await everythingToolsAsClientTools();
  const alone = (label: string, overrides: Parameters<BenchFleet["server"]>[0], tools?: readonly object[]) => async (fleet: BenchFleet) =>
    newConversationRow(label, await fleet.server({ maxSessions: SECTION_MAX_SESSIONS, ...overrides }, {}, answer), tools);
  return concurrentEachAlone([alone(MCP_BASELINE, {}), alone(DECLARED, {}, declaredTools), alone(COLD_MCP, COLD_MCP_CONFIG), alone(WARM_MCP, mcpGranted())]);
}

/**
 * server-everything's tools as a client would declare them (its names as the
 * runtime offers them, descriptions and schemas): what offering those tools
 * costs without MCP.
 */
async function everythingToolsAsClientTools(): Promise<object[]> {
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING_BIN], stderr: "ignore" }));
  try {
    const { tools } = await client.listTools();
    return tools.map((tool) => ({ type: "function", function: { name: `everything-${tool.name}`, description: tool.description ?? "", parameters: tool.inputSchema } }));
  } finally {
    await client.close();
  }
}
