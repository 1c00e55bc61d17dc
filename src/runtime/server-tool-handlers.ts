// A shared MCP server's tools as a session's handler tools: the runtime
// offers them to the model as it offers the client's, and a call of one runs
// here, in the gateway, on the server's one process (shared-stdio-server.ts):
// `tools/call` with the model's arguments, bounded by the server's call
// timeout and cancelled with the runtime's invocation. The result reaches
// the model as the runtime passes on an MCP server's (the SDK's own
// conversion); a failed call, as the server's error, which the model reads.
import { convertMcpCallToolResult, type CopilotSession, type MCPServerConfig, type Tool, type ToolResultObject } from "@github/copilot-sdk";
import type { ListedTool } from "../core/turn.js";
import type { SharedStdioServer } from "./shared-stdio-server.js";
import { allowsTool } from "./tool-permissions.js";

/** What a session is given for its servers (shared-mcp-servers.ts). */
export interface SessionServerTools {
  /** The shared servers' tools, as handler tools. */
  tools: Tool[];
  /** Each shared server's tools as offered (what `mcp_list_tools` shows), or why it offers none. */
  listings: Map<string, { tools: ListedTool[]; error?: string }>;
  /** By the name the model calls it: the server and its own name for the tool. */
  calledAs: Map<string, { server: string; tool: string }>;
  /** The servers the runtime runs itself: remote ones, and stdio ones not shared. */
  runtimeServers: Record<string, MCPServerConfig>;
}

/** What each session was given, for the turns on it: they see a call of these tools as the server's, and list them. */
const givenToSessions = new WeakMap<CopilotSession, SessionServerTools>();

export function rememberServerTools(session: CopilotSession, given: SessionServerTools | undefined): void {
  if (given && given.listings.size > 0) givenToSessions.set(session, given);
}

/** The shared servers' tools the session was given, if any. */
export function serverToolsOf(session: CopilotSession): Pick<SessionServerTools, "listings" | "calledAs"> | undefined {
  return givenToSessions.get(session);
}

/** A server's tool list is paged; a server that pages on and on is cut off here. */
const MAX_PAGES = 50;

interface ServerHandlerTools {
  name: string;
  tools: Tool[];
  /** By the name the model calls it, the server's own name for the tool. */
  toolNames: Map<string, string>;
  listing: { tools: ListedTool[]; error?: string };
}

export async function serverHandlerTools(name: string, server: SharedStdioServer, allowlist: MCPServerConfig["tools"], signal?: AbortSignal): Promise<ServerHandlerTools> {
  let listed: ListedTool[];
  try {
    listed = (await allTools(server, signal ?? new AbortController().signal)).filter((tool) => allowsTool(allowlist, tool.name));
  } catch (error) {
    return { name, tools: [], toolNames: new Map(), listing: { tools: [], error: error instanceof Error ? error.message : String(error) } };
  }
  const toolNames = new Map<string, string>();
  const tools = listed.map((tool): Tool => {
    const calledAs = modelFacingName(name, tool.name);
    toolNames.set(calledAs, tool.name);
    return {
      name: calledAs,
      description: tool.description ?? "",
      parameters: tool.inputSchema,
      // The policy is what the session is offered: a granted server's allowed tools, each run here.
      skipPermission: true,
      // Offered with every request, as an MCP server's tools are, never left to a tool search.
      defer: "never",
      handler: (args, invocation) => callTool(server, tool.name, args, invocation.signal),
    };
  });
  return { name, tools, toolNames, listing: { tools: listed } };
}

async function callTool(server: SharedStdioServer, tool: string, args: unknown, signal: AbortSignal | undefined): Promise<ToolResultObject> {
  const params = { name: tool, arguments: (typeof args === "object" && args !== null ? args : {}) as Record<string, unknown> };
  try {
    const result = await server.request({ method: "tools/call", params }, signal ?? new AbortController().signal);
    return convertMcpCallToolResult(result as Parameters<typeof convertMcpCallToolResult>[0]);
  } catch (error) {
    // Returned, not thrown: the runtime tells the model only "Tool execution failed" of a handler that throws.
    const message = error instanceof Error ? error.message : String(error);
    return { textResultForLlm: message, resultType: "failure", error: message };
  }
}

async function allTools(server: SharedStdioServer, signal: AbortSignal): Promise<ListedTool[]> {
  const tools: ListedTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = (await server.listTools(cursor === undefined ? undefined : { cursor }, signal)) as { tools?: unknown[]; nextCursor?: string };
    for (const tool of result.tools ?? []) if (isTool(tool)) tools.push(listedTool(tool));
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

/** As the runtime names an MCP server's tool to the model; characters a model's tool name cannot hold become `_`. */
function modelFacingName(server: string, tool: string): string {
  return `${server}-${tool}`.replace(/[^A-Za-z0-9_-]/g, "_");
}

function isTool(value: unknown): value is { name: string; description?: unknown; inputSchema?: unknown; annotations?: unknown } {
  return typeof value === "object" && value !== null && typeof (value as { name?: unknown }).name === "string";
}

function listedTool(tool: { name: string; description?: unknown; inputSchema?: unknown; annotations?: unknown }): ListedTool {
  return {
    name: tool.name,
    ...(typeof tool.description === "string" ? { description: tool.description } : {}),
    inputSchema: isObject(tool.inputSchema) ? tool.inputSchema : { type: "object", properties: {} },
    ...(isObject(tool.annotations) ? { annotations: tool.annotations } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
