// A client's dialogue → the session events a Copilot runtime loads as a
// session's history: seeded this way, the model reads the conversation the
// client sent, message by message (tool calls, results, images and reasoning
// included), not a transcript flattened into one prompt.
//
// The runtime silently alters some histories when it loads them: it invents
// an "interrupted" result for a call without one and drops a result without a
// call. Both are decided here instead, so the model is told what happened.
// Pure: ids and time come from the caller.
import type { SessionEvent } from "@github/copilot-sdk";
import type { ContentPart } from "../core/turn.js";
import { toolResultForModel } from "../turns/prompt.js";
import type { DialogueMessage } from "./ledger.js";

type EventOf<T extends SessionEvent["type"]> = Extract<SessionEvent, { type: T }>;
export type SeedEvent = EventOf<"session.start"> | EventOf<"user.message"> | EventOf<"assistant.message"> | EventOf<"tool.execution_complete">;

/** The events.jsonl format this builder writes; the runtime does not check it, so a test pins it. */
export const SEEDED_EVENTS_VERSION = 1;

/** What the model reads for a call the client sent no result for. */
export const MISSING_RESULT = "No result: the client did not send a result for this tool call.";

export interface SeedContext {
  sessionId: string;
  /** The session's working directory, as `session.start` records it. */
  cwd: string;
  now: Date;
  newId: () => string;
}

export interface SeededHistory {
  events: SeedEvent[];
  /** Dialogue index of each user message → its event id, where the conversation can later branch. */
  userMessageEvents: Map<number, string>;
}

/** Why a history cannot be seeded faithfully; the caller falls back to a transcript. */
export class UnseedableHistory extends Error {}

export function historyEvents(history: readonly DialogueMessage[], context: SeedContext): SeededHistory {
  const timestamp = context.now.toISOString();
  const events: SeedEvent[] = [];
  const userMessageEvents = new Map<number, string>();
  let parentId: string | null = null;
  const push = <T extends SeedEvent>(type: T["type"], data: T["data"]): string => {
    const id = context.newId();
    events.push({ type, data, id, timestamp, parentId } as T);
    parentId = id;
    return id;
  };

  push<EventOf<"session.start">>("session.start", {
    sessionId: context.sessionId,
    version: SEEDED_EVENTS_VERSION,
    producer: "copilot-agent",
    copilotVersion: "0.0.0",
    startTime: timestamp,
    context: { cwd: context.cwd },
  });

  const seenCallIds = new Set<string>();
  /** Calls of the latest assistant message still waiting for their result. */
  let open = new Set<string>();
  /** Results for no open call, which the runtime would drop: the model reads them as notes once the open calls are closed. */
  let orphans: Array<{ toolCallId: string; text: string }> = [];
  const closeOpenCalls = () => {
    for (const toolCallId of open) push<EventOf<"tool.execution_complete">>("tool.execution_complete", failure(toolCallId, MISSING_RESULT));
    for (const orphan of orphans) push<EventOf<"user.message">>("user.message", orphanResultData(orphan.toolCallId, orphan.text));
    open = new Set();
    orphans = [];
  };

  history.forEach((message, index) => {
    switch (message.role) {
      case "user": {
        closeOpenCalls();
        userMessageEvents.set(index, push<EventOf<"user.message">>("user.message", userMessageData(message.content)));
        return;
      }
      case "assistant": {
        closeOpenCalls();
        for (const call of message.toolCalls) {
          if (seenCallIds.has(call.id)) throw new UnseedableHistory(`tool call id '${call.id}' is used twice in the history`);
          seenCallIds.add(call.id);
          open.add(call.id);
        }
        push<EventOf<"assistant.message">>("assistant.message", {
          messageId: context.newId(),
          content: message.text,
          // The client's argument string goes upstream verbatim (the runtime passes a string through).
          toolRequests: message.toolCalls.map((call) => ({ toolCallId: call.id, name: call.name, arguments: call.arguments, type: "function" as const })),
          ...(message.reasoning ? { reasoningText: message.reasoning } : {}),
        });
        return;
      }
      case "tool": {
        if (!open.delete(message.toolCallId)) {
          orphans.push({ toolCallId: message.toolCallId, text: message.text });
          return;
        }
        push<EventOf<"tool.execution_complete">>(
          "tool.execution_complete",
          message.isError ? failure(message.toolCallId, toolResultForModel(message.text, true)) : { toolCallId: message.toolCallId, success: true, result: { content: message.text } },
        );
        return;
      }
      // Approvals were a live session's business; the calls they let run are not replayed.
      case "approval":
        return;
    }
  });
  closeOpenCalls();
  return { events, userMessageEvents };
}

function failure(toolCallId: string, message: string): EventOf<"tool.execution_complete">["data"] {
  return { toolCallId, success: false, error: { message } };
}

/** Text parts become the message text; images its attachments (the runtime adds an "Attached image" part for each). */
function userMessageData(content: readonly ContentPart[]): EventOf<"user.message">["data"] {
  const text = content
    .filter((part) => part.type === "text")
    .map((part) => part.text)
    .join("\n");
  const attachments = content.flatMap((part) => (part.type === "image" ? [{ type: "blob" as const, data: part.data, mimeType: part.mimeType }] : []));
  return { content: text, transformedContent: text, ...(attachments.length > 0 ? { attachments } : {}) };
}

function orphanResultData(toolCallId: string, text: string): EventOf<"user.message">["data"] {
  const content = `[Result of tool call ${toolCallId}, which no earlier assistant message made]\n${text}`;
  return { content, transformedContent: content };
}
