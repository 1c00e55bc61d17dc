// The turn's usage → Anthropic's usage object, shared by the stream and the JSON body.
import type { Usage } from "../../core/turn.js";
import { tokenCount } from "../shared/token-count.js";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

/**
 * Anthropic counts cached input apart: `input_tokens` excludes
 * `cache_read_input_tokens` and `cache_creation_input_tokens`, and Claude
 * Code adds the three for its context gauge and auto-compact. The turn's
 * prompt count includes both (OpenAI's convention), so they are split here.
 */
export function toAnthropicUsage(usage: Usage): AnthropicUsage {
  const prompt = tokenCount(usage.promptTokens);
  const cached = Math.min(prompt, tokenCount(usage.cachedTokens ?? 0));
  const written = Math.min(prompt - cached, tokenCount(usage.cacheWriteTokens ?? 0));
  const result: AnthropicUsage = { input_tokens: prompt - cached - written, output_tokens: tokenCount(usage.completionTokens) };
  if (usage.cachedTokens !== undefined) result.cache_read_input_tokens = cached;
  if (usage.cacheWriteTokens !== undefined) result.cache_creation_input_tokens = written;
  return result;
}
