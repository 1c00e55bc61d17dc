// The dialect-neutral vocabulary shared by every layer: what a client asked for
// (TurnRequest) and what one exchange with the model produced (TurnEvent).
// Dialects parse into the first and encode the second; nothing here knows HTTP.
import type { GatewayError } from "./gateway-error.js";

export type ContentPart =
  | { type: "text"; text: string }
  /** Inline image, base64 without the `data:` prefix. */
  | { type: "image"; mimeType: string; data: string };

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments exactly as the model produced them: a JSON object string. */
  arguments: string;
}

/** A server-side tool call the session holds until the client approves or declines it (Responses' `mcp_approval_request`). */
export interface ApprovalRequest {
  id: string;
  server: string;
  /** The tool's name on its server. */
  tool: string;
  arguments: string;
}

export type ConversationMessage =
  | { role: "system"; text: string }
  | { role: "user"; content: ContentPart[] }
  /**
   * `reasoning`: the model's reasoning the client sent back, replayed when a
   * session is seeded. `approvals`: server-side calls waiting on the client's
   * decision, which the session holds (only a live session can go on from them).
   */
  | { role: "assistant"; text: string; toolCalls: ToolCall[]; reasoning?: string; approvals?: ApprovalRequest[] }
  /** `isError`: the client reports the tool failed (Anthropic's `is_error`). */
  | { role: "tool"; toolCallId: string; text: string; isError?: boolean }
  /** The client's decision on one approval request (Responses' `mcp_approval_response`). */
  | { role: "approval"; requestId: string; approve: boolean; reason?: string };

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters?: Record<string, unknown>;
}

export type ToolChoice = "auto" | "none" | "required" | { name: string };

/** The efforts the Copilot runtime accepts. */
export type ReasoningEffort = "low" | "medium" | "high" | "xhigh" | "max";

export type ResponseFormat =
  | { type: "json_object" }
  | { type: "json_schema"; name: string; schema: Record<string, unknown>; strict?: boolean; description?: string };

/**
 * Which calls of a server the client must approve first (Responses'
 * `require_approval`): `default` for every tool but those named otherwise.
 */
export interface ApprovalRule {
  default: "always" | "never";
  always: string[];
  never: string[];
}

/**
 * An MCP server the request names (Responses' `mcp` tool, Anthropic's
 * `mcp_servers`): one the operator configured (by label) or, where the
 * operator allows its URL, a remote one. Its calls are shown to the client.
 */
export interface RequestedServer {
  /** Where the request names it, for errors: `tools[2]`, `mcp_servers[0]`. */
  param: string;
  /** The fields that name it and give its URL, for errors: `server_label` and `server_url`, or `name` and `url`. */
  labelField: string;
  urlField: string;
  label: string;
  url?: string;
  /** Sent to a remote server with every request (its authorization, for one). */
  headers?: Record<string, string>;
  /** The server's own tool names the model may call; absent: all the server allows. */
  allowedTools?: string[];
  approval: ApprovalRule;
  /** The client already holds the server's tool list (an earlier `mcp_list_tools`): it is not listed again. */
  listed: boolean;
}

/** One tool as a server lists it (Responses' `mcp_list_tools`). */
export interface ListedTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

export interface TurnRequest {
  /** The model id as the client named it. */
  model: string;
  /** The whole conversation in order; system messages may appear anywhere. */
  messages: ConversationMessage[];
  tools: ToolDefinition[];
  toolChoice: ToolChoice;
  /** False: at most one tool call per response. */
  parallelToolCalls: boolean;
  maxOutputTokens?: number;
  reasoningEffort?: ReasoningEffort;
  responseFormat?: ResponseFormat;
  /** Emulated by the gateway: output is cut before the first match. */
  stop: string[];
  /** MCP servers the request names, whose calls the client is shown; none when absent. */
  servers?: RequestedServer[];
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  /** Prompt tokens written to the provider's cache (Anthropic's cache_creation_input_tokens). */
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  /** The runtime's billing multiplier, summed over the turn's model calls (absent on BYOK). */
  cost?: number;
  /** Copilot AI units spent, in nano-AIU (`copilotUsage.totalNanoAiu`); absent when the runtime reports none. */
  nanoAiu?: number;
  /** True when the runtime reported no usage and the gateway estimated it (about 4 characters a token). */
  estimated?: boolean;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

/**
 * One thing that happened in a turn, in order. A well-formed turn is any
 * sequence of text/reasoning/tool events, then `usage` (at most once), then
 * exactly one `finish` — or it stops at an `error`, which is always last.
 * A tool call's `tool_call_start` precedes its `tool_call_delta`s, and one
 * call's deltas end before the next call starts. The `server_*` events and
 * `approval_request` concern only the servers the request named
 * (`TurnRequest.servers`); a turn that ends on approval requests finishes
 * with "stop" after them.
 */
export type TurnEvent =
  | { type: "text"; delta: string }
  | { type: "reasoning"; delta: string }
  | { type: "tool_call_start"; index: number; id: string; name: string }
  | { type: "tool_call_delta"; index: number; argumentsDelta: string }
  | { type: "usage"; usage: Usage }
  | { type: "finish"; reason: FinishReason }
  /** A requested server's tools, when the turn starts (`error`: it could not list them). */
  | { type: "server_tools_listed"; server: string; tools: ListedTool[]; error?: string }
  /** A call the runtime ran on a requested server, once it ended: its `output`, or its `error`. */
  | { type: "server_tool_call"; id: string; server: string; tool: string; arguments: string; output?: string; error?: string; approvalRequestId?: string }
  | ({ type: "approval_request" } & ApprovalRequest)
  | { type: "error"; error: GatewayError };
