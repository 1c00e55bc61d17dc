// Chat messages → the conversation a turn replays. Roles are normalised here so
// the ledger and the prompt builder see one vocabulary whatever the client sent.
import type { ConversationMessage, ToolCall } from "../../core/turn.js";
import { toPlainText, toUserContent } from "./content.js";
import type { ChatMessageBody, HistoryToolCallBody } from "./schema.js";

type Path = readonly (string | number)[];

export function toConversation(messages: readonly ChatMessageBody[]): ConversationMessage[] {
  const legacyCalls = new LegacyCallIds();
  return messages.map((message, i) => toConversationMessage(message, ["messages", i], legacyCalls));
}

function toConversationMessage(message: ChatMessageBody, path: Path, legacyCalls: LegacyCallIds): ConversationMessage {
  const contentPath = [...path, "content"];
  switch (message.role) {
    // Continue, Cline and Vercel send `developer` instead of `system` for o-series/gpt-5 ids (B.8 #46).
    case "system":
    case "developer":
      return { role: "system", text: toPlainText(message.content, contentPath, message.role) };
    case "user":
      return { role: "user", content: toUserContent(message.content, contentPath) };
    case "assistant": {
      // `content` is null when the turn was only tool calls (Vercel, B.8 #48).
      const toolCalls = (message.tool_calls ?? []).map(toToolCall);
      if (message.function_call) {
        const { name, arguments: args } = message.function_call;
        toolCalls.push({ id: legacyCalls.issue(name), name, arguments: argumentsString(args) });
      }
      const text = toPlainText(message.content, contentPath, "assistant");
      const reasoning = reasoningText(message);
      return reasoning ? { role: "assistant", text, toolCalls, reasoning } : { role: "assistant", text, toolCalls };
    }
    case "tool":
      return { role: "tool", toolCallId: message.tool_call_id, text: toPlainText(message.content, contentPath, "tool") };
    case "function":
      return {
        role: "tool",
        toolCallId: legacyCalls.answer(message.name),
        text: toPlainText(message.content, contentPath, "function"),
      };
  }
}

/**
 * Reasoning sent back in history (B.5 #30): `reasoning_content` (Vercel, Cline,
 * LiteLLM) or OpenRouter's `reasoning`. Kept for a seeded session to replay;
 * anything that is not a string (`reasoning_details` arrays) is ignored, never a 400.
 */
function reasoningText(message: Record<string, unknown>): string | undefined {
  const value = message.reasoning_content ?? message.reasoning;
  return typeof value === "string" && value !== "" ? value : undefined;
}

function toToolCall(call: HistoryToolCallBody): ToolCall {
  return { id: call.id, name: call.function.name, arguments: argumentsString(call.function.arguments) };
}

/** The spec says a JSON string; some clients echo the parsed object, some omit it for no arguments. */
function argumentsString(args: string | Record<string, unknown> | null | undefined): string {
  if (args === null || args === undefined) return "{}";
  return typeof args === "string" ? args : JSON.stringify(args);
}

/**
 * Legacy `function_call`s carry no id, and the `function` message answering one
 * names only the function. Ids are numbered by position in the history
 * (`call_legacy_<n>`), so they are identical every time the client resends the
 * same history, and each `function` message takes the oldest unanswered id for
 * its name; an answer without a matching call falls back to the name itself
 * (lenient, like an unmatched `tool_call_id`: B.8 #49).
 */
class LegacyCallIds {
  private issued = 0;
  private readonly unanswered = new Map<string, string[]>();

  issue(name: string): string {
    const id = `call_legacy_${this.issued++}`;
    const queue = this.unanswered.get(name) ?? [];
    queue.push(id);
    this.unanswered.set(name, queue);
    return id;
  }

  answer(name: string): string {
    return this.unanswered.get(name)?.shift() ?? name;
  }
}
