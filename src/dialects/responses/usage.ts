// The turn's usage → the Responses API's usage object, shared by the stream's
// final response and the JSON body.
import type { Usage } from "../../core/turn.js";
import { tokenCount } from "../shared/token-count.js";

export interface ResponseUsageBody {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/**
 * Integer counts with `total = input + output`, and both detail objects always
 * present: Codex deserialises `response.completed` usage with required fields,
 * and openai-node's `ResponseUsage` marks them required.
 */
export function toResponseUsage(usage: Usage): ResponseUsageBody {
  const input = tokenCount(usage.promptTokens);
  const output = tokenCount(usage.completionTokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: tokenCount(usage.cachedTokens ?? 0), cache_write_tokens: usage.cacheWriteTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: tokenCount(usage.reasoningTokens ?? 0) },
    total_tokens: input + output,
  };
}
