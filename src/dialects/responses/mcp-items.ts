// The MCP output items of a turn whose request named servers (`mcp` tools):
// a server's tool list, a call the gateway's runtime ran, a call waiting on
// the client's approval. Each arrives whole (the runtime reports a call once
// it ended), so each item opens and closes in one run of events, in the
// order OpenAI streams them:
//
//   mcp_list_tools:  output_item.added {tools: []}, mcp_list_tools.in_progress,
//                    mcp_list_tools.completed | .failed, output_item.done
//   mcp_call:        output_item.added {arguments: ""}, mcp_call.in_progress,
//                    mcp_call_arguments.delta, mcp_call_arguments.done,
//                    mcp_call.completed | .failed, output_item.done
//   mcp_approval_request: output_item.added, output_item.done
import type { TurnEvent } from "../../core/turn.js";
import type { ItemIdPrefix, McpApprovalRequestItem, McpCallItem, McpItem, McpListToolsItem } from "./response-object.js";
import type { ResponseStreamEvent } from "./stream-events.js";

export type McpTurnEvent = Extract<TurnEvent, { type: "server_tools_listed" | "server_tool_call" | "approval_request" }>;

/** The item an event adds at `index`, and the events that add it. */
export function mcpItemEvents(event: McpTurnEvent, index: number, newItemId: (prefix: ItemIdPrefix) => string): { item: McpItem; events: ResponseStreamEvent[] } {
  switch (event.type) {
    case "server_tools_listed":
      return listToolsEvents(event, index, newItemId("mcpl"));
    case "server_tool_call":
      return callEvents(event, index, newItemId("mcp"));
    case "approval_request": {
      const item: McpApprovalRequestItem = { type: "mcp_approval_request", id: event.id, server_label: event.server, name: event.tool, arguments: event.arguments };
      return { item, events: [added(index, item), done(index, item)] };
    }
  }
}

function listToolsEvents(event: Extract<McpTurnEvent, { type: "server_tools_listed" }>, index: number, id: string) {
  const item: McpListToolsItem = {
    type: "mcp_list_tools",
    id,
    server_label: event.server,
    tools: event.tools.map((tool) => ({ name: tool.name, description: tool.description ?? null, input_schema: tool.inputSchema, annotations: tool.annotations ?? null })),
    error: event.error ?? null,
  };
  const ref = { output_index: index, item_id: id };
  const events: ResponseStreamEvent[] = [
    added(index, { ...item, tools: [] }),
    { type: "response.mcp_list_tools.in_progress", ...ref },
    { type: event.error === undefined ? "response.mcp_list_tools.completed" : "response.mcp_list_tools.failed", ...ref },
    done(index, item),
  ];
  return { item, events };
}

function callEvents(event: Extract<McpTurnEvent, { type: "server_tool_call" }>, index: number, id: string) {
  const failed = event.error !== undefined;
  const item: McpCallItem = {
    type: "mcp_call",
    id,
    server_label: event.server,
    name: event.tool,
    arguments: event.arguments,
    output: failed ? null : (event.output ?? ""),
    error: failed ? { type: "mcp_tool_execution_error", content: [{ type: "text", text: event.error! }] } : null,
    status: failed ? "failed" : "completed",
    approval_request_id: event.approvalRequestId ?? null,
  };
  const ref = { output_index: index, item_id: id };
  const events: ResponseStreamEvent[] = [
    added(index, { ...item, arguments: "", output: null, error: null, status: "completed" }),
    { type: "response.mcp_call.in_progress", ...ref },
    { type: "response.mcp_call_arguments.delta", ...ref, delta: event.arguments },
    { type: "response.mcp_call_arguments.done", ...ref, arguments: event.arguments },
    { type: failed ? "response.mcp_call.failed" : "response.mcp_call.completed", ...ref },
    done(index, item),
  ];
  return { item, events };
}

function added(index: number, item: McpItem): ResponseStreamEvent {
  return { type: "response.output_item.added", output_index: index, item: structuredClone(item) };
}

function done(index: number, item: McpItem): ResponseStreamEvent {
  return { type: "response.output_item.done", output_index: index, item: structuredClone(item) };
}
