// POST /v1/messages/count_tokens answers with an estimate (B.13 #80): the
// runtime has no tokenizer to ask, and Claude Code only needs a number close
// enough for its `/context` view and its auto-compact threshold; a 404 here
// would leave both blind.
import type { TurnRequest } from "../../core/turn.js";

/** About four characters a token: the usual rule of thumb for English and code, and the one run-turn.ts uses. */
export const CHARS_PER_TOKEN = 4;

/** Anthropic bills an image by its size, at most about 1,600 tokens (~1.15 megapixels); the gateway does not decode images, so each costs the maximum. */
export const IMAGE_TOKENS = 1_600;

/**
 * Estimated input tokens of a request: the characters of the system prompt,
 * every message (text, tool_use names and inputs, tool_result content) and
 * every tool definition (name, description, input schema) at
 * `CHARS_PER_TOKEN`, plus `IMAGE_TOKENS` per image. An estimate, not a count:
 * real tokenizers differ by model, by up to a few tens of percent.
 */
export function estimateInputTokens(request: Pick<TurnRequest, "messages" | "tools">): number {
  let chars = 0;
  let images = 0;
  for (const message of request.messages) {
    switch (message.role) {
      case "system":
        chars += message.text.length;
        break;
      case "user":
        for (const part of message.content) {
          if (part.type === "text") chars += part.text.length;
          else images++;
        }
        break;
      case "assistant":
        chars += message.text.length;
        for (const call of message.toolCalls) chars += call.name.length + call.arguments.length;
        break;
      case "tool":
        chars += message.text.length;
        break;
    }
  }
  for (const tool of request.tools) {
    chars += tool.name.length + (tool.description?.length ?? 0) + (tool.parameters ? JSON.stringify(tool.parameters).length : 0);
  }
  return Math.ceil(chars / CHARS_PER_TOKEN) + images * IMAGE_TOKENS;
}
