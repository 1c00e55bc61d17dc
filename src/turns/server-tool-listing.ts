// The tools of the servers a request named, as the client is shown them when
// a turn starts (Responses' `mcp_list_tools`): the runtime asks each server
// (a live `tools/list`), and only the tools the session may call are shown; a
// shared server's are the ones the session was given when it opened.
// A server that cannot list them is shown with the error; the turn goes on.
import type { CopilotSession } from "@github/copilot-sdk";
import type { ListedTool, TurnEvent } from "../core/turn.js";
import { serverToolsOf } from "../runtime/server-tool-handlers.js";
import { allowsTool } from "../runtime/tool-permissions.js";

/** A server to list: its name, and its allowlist (absent or `*`: every tool). */
export interface ServerToList {
  server: string;
  allowedTools?: readonly string[];
}

type Listed = Extract<TurnEvent, { type: "server_tools_listed" }>;

/** The runtime's listing carries each tool's schema and annotations beside the fields the SDK types. */
interface ListedByRuntime {
  name: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

export async function listServerTools(session: CopilotSession, servers: readonly ServerToList[]): Promise<Listed[]> {
  return Promise.all(servers.map((server) => listOne(session, server)));
}

async function listOne(session: CopilotSession, { server, allowedTools }: ServerToList): Promise<Listed> {
  // A shared server's tools were given to the session when it opened: those are the ones it may call.
  const given = serverToolsOf(session)?.listings.get(server);
  if (given) return { type: "server_tools_listed", server, tools: given.tools, ...(given.error ? { error: `The server's tools could not be listed: ${given.error}` } : {}) };
  try {
    const { tools } = await session.rpc.mcp.listTools({ serverName: server });
    return { type: "server_tools_listed", server, tools: (tools as ListedByRuntime[]).filter((tool) => allowsTool(allowedTools, tool.name)).map(listedTool) };
  } catch (error) {
    return { type: "server_tools_listed", server, tools: [], error: `The server's tools could not be listed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function listedTool(tool: ListedByRuntime): ListedTool {
  return {
    name: tool.name,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    inputSchema: tool.inputSchema ?? { type: "object", properties: {} },
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
  };
}
