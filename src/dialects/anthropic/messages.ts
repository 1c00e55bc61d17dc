// `system` + `messages` → the conversation a turn replays. The one structural
// difference from the turn vocabulary: Anthropic carries tool results as
// `tool_result` blocks inside a user message, the turn as `{role:"tool"}`
// messages. Each result becomes its own tool message, in order, so the ledger
// sees exactly the results for the calls a session waits on (keyed by
// `tool_use_id`) and can answer them natively.
import type { ContentPart, ConversationMessage, ToolCall } from "../../core/turn.js";
import { DROPPED_BLOCKS, textOf, toToolCall, toToolResult, toUserPart, unsupportedBlock, type Path } from "./content.js";
import type { ContentBody, MessageBody, MessagesRequestBody } from "./schema.js";

export function toConversation(body: Pick<MessagesRequestBody, "system" | "messages">): ConversationMessage[] {
  const conversation: ConversationMessage[] = [];
  const system = systemText(body.system, ["system"]);
  if (system !== "") conversation.push({ role: "system", text: system });
  body.messages.forEach((message, i) => conversation.push(...toConversationMessages(message, ["messages", i])));
  return conversation;
}

/** Claude Code sends `system` as text blocks (with `cache_control`); they are joined as separate paragraphs. */
function systemText(system: MessagesRequestBody["system"], path: Path): string {
  if (system === null || system === undefined) return "";
  if (typeof system === "string") return system;
  return system
    .map((block, j) => {
      if (block.type !== "text") throw unsupportedBlock(block.type, [...path, j], "system");
      return textOf(block, [...path, j]);
    })
    .join("\n\n");
}

function toConversationMessages(message: MessageBody, path: Path): ConversationMessage[] {
  const contentPath = [...path, "content"];
  switch (message.role) {
    case "system":
      return [{ role: "system", text: systemText(message.content, contentPath) }];
    case "assistant":
      return [toAssistantMessage(message.content, contentPath)];
    case "user":
      return toUserMessages(message.content, contentPath);
  }
}

/**
 * Text blocks are concatenated as sent, so the text matches what the gateway
 * streamed (the ledger recognises an answer by it). `thinking` text is kept
 * as the message's reasoning, for a seeded session to replay; signatures and
 * `redacted_thinking` are dropped (B.13 #81).
 */
function toAssistantMessage(content: ContentBody | null | undefined, path: Path): ConversationMessage {
  if (content === null || content === undefined) return { role: "assistant", text: "", toolCalls: [] };
  if (typeof content === "string") return { role: "assistant", text: content, toolCalls: [] };
  let text = "";
  let reasoning = "";
  const toolCalls: ToolCall[] = [];
  content.forEach((block, j) => {
    const at = [...path, j];
    if (block.type === "text") text += textOf(block, at);
    else if (block.type === "tool_use") toolCalls.push(toToolCall(block, at));
    else if (block.type === "thinking" && typeof block.thinking === "string") reasoning += block.thinking;
    else if (!DROPPED_BLOCKS.has(block.type)) throw unsupportedBlock(block.type, at, "assistant");
  });
  return reasoning ? { role: "assistant", text, toolCalls, reasoning } : { role: "assistant", text, toolCalls };
}

/**
 * A user message → its tool results as tool messages, in order, then the rest
 * of its content as one user message. The Messages API wants results first;
 * content placed anywhere else in the message still goes after them, so the
 * results stay adjacent to the assistant message whose calls they answer.
 * A message of results only yields no user message; any other message yields
 * one with at least one part (`""` and `[]` become one empty text part).
 */
function toUserMessages(content: ContentBody | null | undefined, path: Path): ConversationMessage[] {
  if (content === null || content === undefined) return [emptyUserMessage()];
  if (typeof content === "string") return [{ role: "user", content: [{ type: "text", text: content }] }];
  const results: ConversationMessage[] = [];
  const parts: ContentPart[] = [];
  content.forEach((block, j) => {
    const at = [...path, j];
    if (block.type === "tool_result") {
      results.push({ role: "tool", ...toToolResult(block, at) });
    } else if (DROPPED_BLOCKS.has(block.type)) {
      return;
    } else if (block.type === "tool_use") {
      throw unsupportedBlock(block.type, at, "user");
    } else {
      parts.push(toUserPart(block, at));
    }
  });
  if (parts.length > 0) return [...results, { role: "user", content: parts }];
  return results.length > 0 ? results : [emptyUserMessage()];
}

function emptyUserMessage(): ConversationMessage {
  return { role: "user", content: [{ type: "text", text: "" }] };
}
