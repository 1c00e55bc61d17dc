// TurnEvents → one buffered `chat.completion` (B.0, B.6). It reads the same
// events as the SSE encoder and applies the same rules (finish reason, "{}"
// for argument-less calls, strict reasoning), so both paths say the same thing.
import type { FinishReason, TurnEvent, Usage } from "../../core/turn.js";
import type { ChatResponseMeta } from "./stream.js";
import { incompleteTurnError } from "../shared/incomplete-turn.js";
import { ZERO_USAGE } from "../shared/token-count.js";
import { chatFinishReason, toChatUsage, type ChatUsage } from "./usage.js";

export interface ChatCompletionToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatCompletionMessage {
  role: "assistant";
  /** Null only when the turn was tool calls and no text (B.6 #32). */
  content: string | null;
  reasoning_content?: string;
  reasoning?: string;
  refusal: null;
  tool_calls?: ChatCompletionToolCall[];
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: [{ index: 0; message: ChatCompletionMessage; logprobs: null; finish_reason: FinishReason }];
  usage: ChatUsage;
}

export interface CollectedChatCompletion {
  body: ChatCompletion;
  /**
   * False when the runtime reported no usage and `body.usage` is the gateway's
   * estimate (or zeros): the route says so with `x-gateway-usage-estimated: true` (B.4 #26).
   */
  usageReported: boolean;
}

/**
 * Drains `events` to the end (so the turn is never cut short by us) and builds
 * the completion. Throws the turn's `GatewayError` if it reported one, and a
 * 502 `upstream_incomplete` if the events ended without a `finish`: a partial
 * answer is never returned as if it were whole. Content after `finish` is
 * ignored, as in the stream.
 */
export async function collectChatCompletion(
  events: AsyncIterable<TurnEvent>,
  meta: Omit<ChatResponseMeta, "includeUsage">,
): Promise<CollectedChatCompletion> {
  let text = "";
  let reasoning = "";
  const toolCalls = new Map<number, ChatCompletionToolCall>();
  let usage: Usage | undefined;
  let finishReason: FinishReason | undefined;

  for await (const event of events) {
    if (event.type === "error") throw event.error;
    if (event.type === "usage") usage = event.usage;
    else if (finishReason !== undefined) continue;
    else if (event.type === "finish") finishReason = event.reason;
    else if (event.type === "text") text += event.delta;
    else if (event.type === "reasoning") reasoning += event.delta;
    // Chat Completions has no item for a server-side call: its result shows only in the answer.
    else if (event.type === "server_tools_listed" || event.type === "server_tool_call" || event.type === "approval_request") continue;
    else if (event.type === "tool_call_start") {
      toolCalls.set(event.index, { id: event.id, type: "function", function: { name: event.name, arguments: "" } });
    } else {
      const call = toolCalls.get(event.index);
      if (call) call.function.arguments += event.argumentsDelta;
    }
  }

  if (finishReason === undefined) throw incompleteTurnError();

  const calls = [...toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  // Concatenated arguments must parse as a JSON object; "" does not (B.3 #18).
  for (const call of calls) if (call.function.arguments === "") call.function.arguments = "{}";

  const message: ChatCompletionMessage = {
    role: "assistant",
    content: calls.length > 0 && text === "" ? null : text,
    refusal: null,
  };
  // Same two names as the stream's deltas (B.5 #29, B.16); strict mode sends neither.
  if (meta.reasoning && reasoning !== "") {
    message.reasoning_content = reasoning;
    message.reasoning = reasoning;
  }
  if (calls.length > 0) message.tool_calls = calls;

  const body: ChatCompletion = {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: chatFinishReason(finishReason, calls.length > 0) }],
    usage: toChatUsage(usage ?? ZERO_USAGE),
  };
  return { body, usageReported: usage !== undefined && !usage.estimated };
}
