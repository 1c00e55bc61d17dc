// The playground's conversation: what was said, as the page shows it, and the
// messages it sends. The whole history goes with every request, as with any
// OpenAI client; the gateway continues the same Copilot session when it can.
import type { ChatRequestMessage, ChatStreamEvent, ToolCall, Usage } from "../api/chat-types.js";

export interface UserEntry {
  role: "user";
  content: string;
}

export interface AssistantEntry {
  role: "assistant";
  model: string;
  content: string;
  reasoning: string;
  toolCalls: ToolCall[];
  usage?: Usage;
  /** From sending the request to the first text, reasoning or tool call, measured in the page. */
  ttftMs?: number;
  finish?: string;
  stopped?: boolean;
  error?: string;
}

export interface ToolEntry {
  role: "tool";
  toolCallId: string;
  name: string;
  content: string;
}

export type Entry = UserEntry | AssistantEntry | ToolEntry;

export function emptyAnswer(model: string): AssistantEntry {
  return { role: "assistant", model, content: "", reasoning: "", toolCalls: [] };
}

/** The answer with one more streamed event in it. */
export function withEvent(answer: AssistantEntry, event: ChatStreamEvent): AssistantEntry {
  switch (event.type) {
    case "text":
      return { ...answer, content: answer.content + event.delta };
    case "reasoning":
      return { ...answer, reasoning: answer.reasoning + event.delta };
    case "finish":
      return { ...answer, finish: event.reason };
    case "usage":
      return { ...answer, usage: event.usage };
    case "tool_call": {
      const calls = [...answer.toolCalls];
      const known = calls[event.index] ?? { id: "", type: "function" as const, function: { name: "", arguments: "" } };
      calls[event.index] = {
        ...known,
        id: event.id ?? known.id,
        function: { name: event.name ?? known.function.name, arguments: known.function.arguments + event.argumentsDelta },
      };
      return { ...answer, toolCalls: calls };
    }
  }
}

/**
 * The messages to send: answers that failed, or were stopped before saying
 * anything, are left out (the model never said them).
 */
export function requestMessages(entries: readonly Entry[]): ChatRequestMessage[] {
  const messages: ChatRequestMessage[] = [];
  for (const entry of entries) {
    if (entry.role === "user") messages.push({ role: "user", content: entry.content });
    else if (entry.role === "tool") messages.push({ role: "tool", tool_call_id: entry.toolCallId, content: entry.content });
    else if (!entry.error && (entry.content || entry.toolCalls.length > 0)) {
      messages.push({ role: "assistant", content: entry.content || null, ...(entry.toolCalls.length > 0 ? { tool_calls: entry.toolCalls } : {}) });
    }
  }
  return messages;
}

/** The tool calls of the last answer that still wait for their results (the client's side of a tool loop). */
export function waitingToolCalls(entries: readonly Entry[]): ToolCall[] {
  const last = entries.at(-1);
  if (!last || last.role !== "assistant" || last.error || last.stopped) return [];
  return last.toolCalls;
}
