// How a turn ended, as its owner (the conversation service) needs to know it:
// whether the session can take the next turn, what the client was shown of
// the answer, and which client tool calls the session now waits on.
import type { GatewayError } from "../core/gateway-error.js";
import type { ToolCall } from "../core/turn.js";

/** A client tool call the session waits on: the runtime's request, answered by the next turn. */
export interface PendingToolCall {
  toolCallId: string;
  requestId: string;
}

/** What the client was shown of the assistant's answer: the next request will send it back. */
export interface AssistantAnswer {
  text: string;
  toolCalls: ToolCall[];
  /** Session event id of the user message this turn sent, if it sent one: where the conversation can be forked. */
  userMessageEventId?: string;
}

export type TurnOutcome =
  | { kind: "completed"; answer: AssistantAnswer }
  | { kind: "tool_calls_pending"; answer: AssistantAnswer; pending: PendingToolCall[] }
  | { kind: "ended_early" }
  | { kind: "failed"; error: GatewayError }
  | { kind: "client_aborted" };

/** Idle, or waiting on the client's tools: the session holds the answer the client saw and can go on. */
export function endedNaturally(outcome: TurnOutcome): boolean {
  return outcome.kind === "completed" || outcome.kind === "tool_calls_pending";
}
