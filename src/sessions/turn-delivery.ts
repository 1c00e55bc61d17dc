// What a request delivers to the session that serves its turn — its user
// messages, or the client's results for the calls the session waits on — and
// what the ledger learns from that about where the conversation can branch.
import type { CopilotSession } from "@github/copilot-sdk";
import { answerToolCalls, sendMessages, type OutgoingMessage, type ToolResultText } from "../turns/turn-input.js";
import type { ResponseFormat } from "../core/turn.js";
import { renderParts, type BlobAttachment } from "../turns/prompt.js";
import type { PendingToolCall } from "../turns/run-turn.js";
import type { PendingApproval } from "../turns/tool-approvals.js";
import type { ApprovalMessage, DialogueMessage, ForkMark, ToolMessage, UserMessage } from "./ledger.js";

/** How a turn begins on its session, and what the ledger learns from it. */
export interface TurnDelivery {
  begin: () => Promise<unknown>;
  promptChars: number;
  /** Transcript index of the first user message this turn sends natively, if it sends one. */
  sentAt?: number;
  /** User messages the session already holds natively (a seeded history's). */
  heldUserMessages?: readonly ForkMark[];
}

/**
 * Sends user messages, each as its own message (none lets a seeded history
 * that ends in tool results or an assistant message go on). They are the last
 * `messages.length` of a dialogue of `dialogueLength` messages.
 */
export function userMessagesDelivery(session: CopilotSession, dialogueLength: number, responseFormat: ResponseFormat | undefined, messages: readonly UserMessage[]): TurnDelivery {
  const outgoing = messages.map(toOutgoing);
  return {
    begin: sendMessages(session, outgoing, responseFormat),
    promptChars: outgoing.reduce((sum, message) => sum + message.prompt.length, 0),
    ...(messages.length > 0 ? { sentAt: dialogueLength - messages.length } : {}),
  };
}

/** Answers the calls the session waits on with the client's results (and any user text sent with them). */
export function toolAnswersDelivery(
  session: CopilotSession,
  pending: readonly PendingToolCall[],
  results: ReadonlyMap<string, ToolMessage>,
  followUp: readonly UserMessage[],
): TurnDelivery {
  return { begin: answerToolCalls(session, pending, withFollowUp(pending, results, followUp)), promptChars: 0 };
}

/** Lets the calls the session holds run, or declines them, as the client decided; the turn goes on from there. */
export function approvalsDelivery(approvals: readonly PendingApproval[], decisions: ReadonlyMap<string, ApprovalMessage>): TurnDelivery {
  return {
    begin: () => {
      for (const approval of approvals) {
        const decision = decisions.get(approval.id);
        approval.decide(decision?.approve ?? false, decision?.reason);
      }
      return Promise.resolve();
    },
    promptChars: 0,
  };
}

/** The user messages the dialogue ends with: what a turn sends; everything before them is history. */
export function trailingUserMessages(dialogue: readonly DialogueMessage[]): UserMessage[] {
  let start = dialogue.length;
  while (start > 0 && dialogue[start - 1]!.role === "user") start--;
  return dialogue.slice(start) as UserMessage[];
}

function toOutgoing(message: UserMessage): OutgoingMessage {
  const attachments: BlobAttachment[] = [];
  return { prompt: renderParts(message.content, attachments), attachments };
}

/**
 * User text sent together with tool results (Claude Code appends
 * <system-reminder> blocks; a user may type while tools run) rides along with
 * the last result, so the loop stays one native turn and the model still reads it.
 */
function withFollowUp(
  pending: readonly { toolCallId: string }[],
  results: ReadonlyMap<string, ToolMessage>,
  followUp: readonly UserMessage[],
): ReadonlyMap<string, ToolResultText> {
  const answers = new Map<string, ToolResultText>([...results].map(([id, message]) => [id, { text: message.text, ...(message.isError ? { isError: true } : {}) }]));
  const last = pending.at(-1);
  if (followUp.length === 0 || !last) return answers;
  const text = followUp
    .flatMap((message) => message.content.map((part) => (part.type === "text" ? part.text : "[image omitted: images cannot accompany tool results]")))
    .join("\n\n");
  const previous = answers.get(last.toolCallId);
  return new Map([...answers, [last.toolCallId, { ...previous, text: `${previous?.text ?? ""}\n\n${text}` }]]);
}
