// Turns a stateless client conversation into what one fresh Copilot session is
// given: a system message, one user prompt and its image attachments.
// Earlier turns become a clearly delimited transcript (tool calls and results
// included) so the model sees the whole conversation faithfully, not a blur of
// concatenated text.
import type { ConversationMessage, ContentPart } from "../core/turn.js";

/**
 * Written before a failed tool result's text: an OpenAI-style tool message has
 * no error flag, so the failure is said in words, whichever way it reaches the model.
 */
export const TOOL_ERROR_PREFIX = "[tool error] ";

/** A tool result's text as the model reads it. */
export function toolResultForModel(text: string, isError: boolean | undefined): string {
  return isError ? `${TOOL_ERROR_PREFIX}${text}` : text;
}

export interface BlobAttachment {
  type: "blob";
  data: string;
  mimeType: string;
  displayName?: string;
}

export interface SessionPrompt {
  /** All system and developer messages, in order; empty when the client sent none. */
  systemMessage: string;
  prompt: string;
  attachments: BlobAttachment[];
}

/** All system and developer messages, in order, as one system prompt ("" for none). */
export function systemPromptOf(messages: readonly ConversationMessage[]): string {
  return messages
    .filter((message): message is Extract<ConversationMessage, { role: "system" }> => message.role === "system")
    .map((message) => message.text)
    .join("\n\n");
}

export function renderSessionPrompt(messages: readonly ConversationMessage[]): SessionPrompt {
  const systemMessage = systemPromptOf(messages);
  const dialogue = messages.filter((message) => message.role !== "system");
  const attachments: BlobAttachment[] = [];

  const last = dialogue.at(-1);
  const finalUser = last?.role === "user" ? last : undefined;
  const history = finalUser ? dialogue.slice(0, -1) : dialogue;

  const sections: string[] = [];
  if (history.length > 0) {
    const lines = history.map((message) => renderMessage(message, attachments)).filter(Boolean);
    sections.push(
      [
        "<conversation_history>",
        "The earlier turns of this conversation, oldest first, for context:",
        "",
        lines.join("\n\n"),
        "</conversation_history>",
      ].join("\n"),
    );
  }
  if (finalUser) {
    sections.push(renderParts(finalUser.content, attachments));
  } else if (history.length > 0) {
    // The conversation ends in tool results or an assistant message: the
    // client expects the assistant to carry on from there.
    sections.push("Continue the conversation from its last message.");
  }
  return { systemMessage, prompt: sections.join("\n\n"), attachments };
}

function renderMessage(message: Exclude<ConversationMessage, { role: "system" }>, attachments: BlobAttachment[]): string {
  switch (message.role) {
    case "user":
      return `[user]\n${renderParts(message.content, attachments)}`;
    case "assistant": {
      const calls = message.toolCalls.map((call) => `[assistant called tool ${call.name} (id ${call.id}) with ${call.arguments || "{}"}]`);
      return [message.text ? `[assistant]\n${message.text}` : "", ...calls].filter(Boolean).join("\n");
    }
    case "tool":
      return `[tool result for ${message.toolCallId}]\n${toolResultForModel(message.text, message.isError)}`;
    // The approved call ran (or not) in a session that is gone; what it returned is in the answers after it.
    case "approval":
      return "";
  }
}

export function renderParts(parts: readonly ContentPart[], attachments: BlobAttachment[]): string {
  return parts
    .map((part) => {
      if (part.type === "text") return part.text;
      attachments.push({ type: "blob", data: part.data, mimeType: part.mimeType, displayName: `image-${attachments.length + 1}` });
      return `[image ${attachments.length} attached]`;
    })
    .join("\n");
}
