// How a turn ended, as its owner (the conversation service) needs to know it:
// whether the session can take the next turn, what the client was shown of
// the answer, and which client tool calls the session now waits on.
import type { GatewayError } from "../core/gateway-error.js";
import type { ApprovalRequest, ToolCall } from "../core/turn.js";
import type { PendingApproval } from "./tool-approvals.js";

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
  /** Server-side calls the client was asked to approve. */
  approvals?: ApprovalRequest[];
}

export type TurnOutcome =
  | { kind: "completed"; answer: AssistantAnswer }
  | { kind: "tool_calls_pending"; answer: AssistantAnswer; pending: PendingToolCall[] }
  /** Server-side calls wait inside the session on the client's decision, which the next turn delivers. */
  | { kind: "approvals_pending"; answer: AssistantAnswer; approvals: PendingApproval[] }
  | { kind: "ended_early" }
  | { kind: "failed"; error: GatewayError }
  | { kind: "client_aborted" };

/** Idle, or waiting on the client's tools: the session holds the answer the client saw and can go on. */
export function endedNaturally(outcome: TurnOutcome): outcome is Extract<TurnOutcome, { answer: AssistantAnswer }> {
  return outcome.kind === "completed" || outcome.kind === "tool_calls_pending" || outcome.kind === "approvals_pending";
}
