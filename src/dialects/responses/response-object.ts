// The `response` object and its output items, as openai-node types them
// (`Response`, `ResponseOutputMessage`, `ResponseFunctionToolCall`,
// `ResponseReasoningItem`; its usage is usage.ts). The streaming encoder and the
// buffered path both build it here, so `response.completed` and the JSON body
// carry the same object.
import type { GatewayError } from "../../core/gateway-error.js";
import type { Usage } from "../../core/turn.js";
import { ZERO_USAGE } from "../shared/token-count.js";
import type { ToolRoutes } from "./tool-routes.js";
import type { EchoedTool } from "./tools.js";
import { toResponseUsage, type ResponseUsageBody } from "./usage.js";

export interface OutputText {
  type: "output_text";
  text: string;
  annotations: never[];
  logprobs: never[];
}

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export interface MessageItem {
  id: string;
  type: "message";
  status: ItemStatus;
  role: "assistant";
  content: OutputText[];
}

export interface FunctionCallItem {
  id: string;
  type: "function_call";
  status: ItemStatus;
  call_id: string;
  /** Set when the function is a member of a namespace; `name` is then its name within it. */
  namespace?: string;
  name: string;
  arguments: string;
}

/** A call of a custom (freeform) tool: raw `input` text instead of JSON arguments. */
export interface CustomToolCallItem {
  id: string;
  type: "custom_tool_call";
  status: ItemStatus;
  call_id: string;
  namespace?: string;
  name: string;
  input: string;
}

export interface ReasoningItem {
  id: string;
  type: "reasoning";
  summary: { type: "summary_text"; text: string }[];
}

/** A call of the client's tool search (Codex): the model's search arguments, as an object. */
export interface ToolSearchCallItem {
  id: string;
  type: "tool_search_call";
  status: ItemStatus;
  call_id: string;
  execution: "client";
  arguments: unknown;
}

/** The tools of a server the request named (the spec's `MCPListTools`). */
export interface McpListToolsItem {
  type: "mcp_list_tools";
  id: string;
  server_label: string;
  tools: Array<{ name: string; description: string | null; input_schema: Record<string, unknown>; annotations: Record<string, unknown> | null }>;
  error: string | null;
}

/** A call the gateway's runtime ran on such a server (the spec's `MCPToolCall`). */
export interface McpCallItem {
  type: "mcp_call";
  id: string;
  server_label: string;
  name: string;
  arguments: string;
  output: string | null;
  error: { type: "mcp_tool_execution_error"; content: Array<{ type: "text"; text: string }> } | null;
  status: "completed" | "failed";
  approval_request_id: string | null;
}

/** A call waiting on the client's decision (the spec's `MCPApprovalRequest`). */
export interface McpApprovalRequestItem {
  type: "mcp_approval_request";
  id: string;
  server_label: string;
  name: string;
  arguments: string;
}

export type McpItem = McpListToolsItem | McpCallItem | McpApprovalRequestItem;

export type OutputItem = MessageItem | FunctionCallItem | CustomToolCallItem | ToolSearchCallItem | ReasoningItem | McpItem;

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

/** What the response object echoes of the request (openai-node marks most of these required). */
export interface ResponseEcho {
  model: string;
  instructions: string | null;
  max_output_tokens: number | null;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: { format: Record<string, unknown> };
  tool_choice: "auto" | "none" | "required" | { type: "function" | "custom"; name: string };
  tools: EchoedTool[];
  top_p: number | null;
  truncation: string;
  metadata: Record<string, unknown>;
  user?: string;
}

export interface ResponseObject {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  background: false;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: { format: Record<string, unknown> };
  tool_choice: ResponseEcho["tool_choice"];
  tools: EchoedTool[];
  top_p: number | null;
  truncation: string;
  /** Absent until the answer is counted (openai-node's `usage?`; OpenAI's schema allows no null). */
  usage?: ResponseUsageBody;
  user?: string;
  metadata: Record<string, unknown>;
}

/** The id prefixes of output items, one per kind (mcpl: an MCP tool list, mcp: an MCP call). */
export type ItemIdPrefix = "msg" | "fc" | "ctc" | "tsc" | "rs" | "mcpl" | "mcp";

export interface ResponseMeta {
  /** `resp_…`. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  echo: ResponseEcho;
  /**
   * Emit `reasoning` output items with a summary. On when the request set
   * `reasoning.summary` (Codex does by default), as OpenAI does.
   */
  reasoning: boolean;
  /** The declared tool behind each offered name: custom tools' calls become `custom_tool_call` items, namespace members' carry their `namespace`. */
  toolRoutes?: ToolRoutes;
  /** Mints an output item id with this prefix; injectable so tests are deterministic. */
  itemId: (prefix: ItemIdPrefix) => string;
  /** Unix seconds, for `completed_at`; defaults to the wall clock. */
  now?: () => number;
}

/** Random ids in OpenAI's style: a prefix and 32 hex digits. */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
}

export function buildResponse(
  meta: ResponseMeta,
  state: {
    status: ResponseStatus;
    output: OutputItem[];
    usage?: Usage | undefined;
    error?: GatewayError | undefined;
    incomplete?: "max_output_tokens" | "content_filter" | undefined;
  },
): ResponseObject {
  const { echo } = meta;
  const ended = state.status !== "in_progress";
  const answered = state.status === "completed" || state.status === "incomplete";
  const response: ResponseObject = {
    id: meta.id,
    object: "response",
    created_at: meta.createdAt,
    status: state.status,
    background: false,
    completed_at: state.status === "completed" ? (meta.now?.() ?? Math.floor(Date.now() / 1000)) : null,
    error: state.error ? toResponseError(state.error) : null,
    incomplete_details: state.incomplete ? { reason: state.incomplete } : null,
    instructions: echo.instructions,
    max_output_tokens: echo.max_output_tokens,
    model: echo.model,
    // A copy: items still being streamed must not change a response already written out.
    output: structuredClone(state.output),
    parallel_tool_calls: echo.parallel_tool_calls,
    previous_response_id: echo.previous_response_id,
    reasoning: echo.reasoning,
    store: echo.store,
    temperature: echo.temperature,
    text: echo.text,
    tool_choice: echo.tool_choice,
    tools: echo.tools,
    top_p: echo.top_p,
    truncation: echo.truncation,
    metadata: echo.metadata,
  };
  // Always counted once the answer is whole (LiteLLM/OpenHands cost tracking reads it, B.4 #26).
  const usage = answered ? (state.usage ?? ZERO_USAGE) : ended ? state.usage : undefined;
  if (usage) response.usage = toResponseUsage(usage);
  if (echo.user !== undefined) response.user = echo.user;
  return response;
}

/**
 * `response.error` as Codex reads it: `code` decides its handling
 * (`context_length_exceeded`, `insufficient_quota`, and `rate_limit_exceeded`,
 * whose delay it parses from "try again in Ns" in the message). Other codes
 * become the spec's own (`ResponseErrorCode`): `rate_limit_exceeded` for a
 * 429, `server_error` otherwise.
 */
export function toResponseError(error: GatewayError): { code: string; message: string } {
  let message = error.message;
  if (error.code === "rate_limit_exceeded" && error.retryAfterSeconds !== undefined && !/try again in/i.test(message)) {
    message += ` Please try again in ${Math.ceil(error.retryAfterSeconds)}s.`;
  }
  const code = error.code && CODES_CLIENTS_READ.has(error.code) ? error.code : error.status === 429 ? "rate_limit_exceeded" : "server_error";
  return { code, message };
}

/**
 * Codes of `response.error` that Codex acts on. The first is in OpenAI's
 * published enum; the other two are not, but OpenAI's servers send them and
 * Codex reads them, so they pass (tests/support/spec-conformance.ts lists the difference).
 */
const CODES_CLIENTS_READ = new Set(["rate_limit_exceeded", "context_length_exceeded", "insufficient_quota"]);
