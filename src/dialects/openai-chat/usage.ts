// Shapes shared by the streaming and the buffered encoder, so both say the
// same thing about the same turn.
import type { FinishReason, Usage } from "../../core/turn.js";
import { tokenCount } from "../shared/token-count.js";

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

/**
 * Integer counts with `total = prompt + completion`: LiteLLM/OpenHands cost
 * tracking reads them as such (B.4 #26). Details appear only when known.
 */
export function toChatUsage(usage: Usage): ChatUsage {
  const prompt = tokenCount(usage.promptTokens);
  const completion = tokenCount(usage.completionTokens);
  const chatUsage: ChatUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (usage.cachedTokens !== undefined) chatUsage.prompt_tokens_details = { cached_tokens: tokenCount(usage.cachedTokens) };
  if (usage.reasoningTokens !== undefined) {
    chatUsage.completion_tokens_details = { reasoning_tokens: tokenCount(usage.reasoningTokens) };
  }
  return chatUsage;
}

/**
 * A turn that called a tool finishes with `tool_calls` (B.3 #20): Vercel and
 * openai-node's runTools decide whether to run tools from it. `length` stays:
 * a truncated call must not look complete.
 */
export function chatFinishReason(reason: FinishReason, calledTool: boolean): FinishReason {
  return reason === "stop" && calledTool ? "tool_calls" : reason;
}
