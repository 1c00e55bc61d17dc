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

export type ConversationMessage =
  | { role: "system"; text: string }
  | { role: "user"; content: ContentPart[] }
  /** `reasoning`: the model's reasoning the client sent back, replayed when a session is seeded. */
  | { role: "assistant"; text: string; toolCalls: ToolCall[]; reasoning?: string }
  /** `isError`: the client reports the tool failed (Anthropic's `is_error`). */
  | { role: "tool"; toolCallId: string; text: string; isError?: boolean };

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
 * call's deltas end before the next call starts.
 */
export type TurnEvent =
  | { type: "text"; delta: string }
  | { type: "reasoning"; delta: string }
  | { type: "tool_call_start"; index: number; id: string; name: string }
  | { type: "tool_call_delta"; index: number; argumentsDelta: string }
  | { type: "usage"; usage: Usage }
  | { type: "finish"; reason: FinishReason }
  | { type: "error"; error: GatewayError };
