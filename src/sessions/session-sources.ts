// Where a turn's session comes from, tried in this order:
// - continued: the ledger holds the conversation's live (or suspended)
//   session; tool results answer the calls it waits on (a whole agent loop is
//   one Copilot interaction), new user messages are sent to it;
// - rewound: an edited or regenerated user turn rewinds the recorded
//   conversation's session in place to before that message (a few ms of the
//   runtime's, where forking it cost a resume); the branch it leaves goes on
//   seeded if it is ever continued;
// - seeded: a history the ledger does not hold (a new caller, a restart,
//   another gateway process, an evicted session) becomes the new session's own
//   history, so the model reads it as native messages;
// - new: a conversation of user messages only opens a session and sends them,
//   or takes one recycled from an ended conversation of its partition
//   (recycled-sessions.ts) or a ready one opened ahead for its configuration
//   (warm-sessions.ts);
// - flattened: only when seeding fails, the history is rendered as a
//   transcript in one prompt, and the reason is logged.
// A way that cannot serve the request drops its session and the next is
// tried; a deadline or a shutdown (a GatewayError) ends the request instead.
// Every way, and the turn's wait for the model after it, takes from one
// deadline (turns/deadline.ts).
import { randomUUID } from "node:crypto";
import type { CopilotSession } from "@github/copilot-sdk";
import { GatewayError } from "../core/gateway-error.js";
import type { Logger } from "../core/logger.js";
import type { Runtime } from "../runtime/runtime.js";
import { sendMessages } from "../turns/turn-input.js";
import { rewindSession } from "../runtime/session-rewind.js";
import { TurnDeadline } from "../turns/deadline.js";
import { renderSessionPrompt } from "../turns/prompt.js";
import type { Turn } from "../turns/run-turn.js";
import { runtimeCallError } from "../turns/upstream-errors.js";
import type { Conversation } from "./conversation.js";
import { historyEvents, type SeededHistory } from "./history-events.js";
import type { ApprovalMessage, ConversationLedger, DialogueMessage, LedgerEntry, UserMessage } from "./ledger.js";
import { heldSession, type HeldSession, type LiveSessions } from "./live-sessions.js";
import { approvalsDelivery, toolAnswersDelivery, trailingUserMessages, userMessagesDelivery, type TurnDelivery } from "./turn-delivery.js";
import type { TurnRecorder } from "./turn-recording.js";
import type { RecycledSessions } from "./recycled-sessions.js";
import type { WarmSessions } from "./warm-sessions.js";

/** How long, at most, a new conversation waits for a session still being opened ahead (one takes ~25 ms), before it opens its own. */
const WARM_WAIT_MS = 5_000;

/**
 * Where the session serving a request came from; `warm`: a new conversation
 * on a session opened ahead for it; `recycled`: on an ended conversation's
 * session, rewound to its start; `rewound`: a regenerated or edited turn on
 * its conversation's session, rewound to before that message.
 */
export type SessionOrigin = "continued" | "rewound" | "new" | "recycled" | "warm" | "seeded" | "flattened";

/** A turn started on the session that serves it. */
export interface RunningTurn {
  entry: LedgerEntry<HeldSession>;
  session: CopilotSession;
  turn: Turn;
  origin: SessionOrigin;
}

export interface SessionSourcesParts {
  runtime: Runtime;
  ledger: ConversationLedger<HeldSession>;
  live: LiveSessions;
  warm: WarmSessions;
  recycled: RecycledSessions;
  recorder: TurnRecorder;
  deadlineMs: number;
  logger: Logger;
}

export class SessionSources {
  constructor(private readonly parts: SessionSourcesParts) {}

  /** Starts the conversation's turn on the first session that takes it. */
  async startTurn(conversation: Conversation): Promise<RunningTurn> {
    const deadline = new TurnDeadline(this.parts.deadlineMs, conversation.signal);
    return (await this.continued(conversation, deadline)) ?? (await this.rewound(conversation, deadline)) ?? (await this.opened(conversation, deadline));
  }

  /** Runs the continuation on the session the ledger leases; undefined (session dropped) when there is none or it cannot take it. */
  private async continued(conversation: Conversation, deadline: TurnDeadline): Promise<RunningTurn | undefined> {
    const { ledger, live } = this.parts;
    const lease = ledger.lease(conversation.partition, conversation.dialogue);
    if (!lease) return undefined;
    const { entry, continuation } = lease;
    const held = entry.session;
    if (!live.staysOn(held)) {
      ledger.discard(entry);
      return undefined;
    }
    live.claim(held);
    let session: CopilotSession;
    try {
      session = await this.wake(held, deadline);
    } catch (error) {
      ledger.discard(entry);
      // A runtime that is stuck (or a shutdown) ends the request; any other failure is served another way.
      if (error instanceof GatewayError) throw error;
      return undefined;
    }
    const delivery =
      continuation.kind === "answer_tools"
        ? toolAnswersDelivery(session, continuation.pending, continuation.results, continuation.followUp)
        : continuation.kind === "answer_approvals"
          ? approvalsDelivery(continuation.approvals, continuation.decisions)
          : sendingDelivery(session, conversation, continuation.messages);
    return this.startOrDiscard(entry, session, conversation, delivery, "continued", deadline);
  }

  /**
   * Rewinds the recorded conversation this request branches from to before
   * the user message where it differs, and runs the turn there; undefined
   * (the session dropped, as its state is then unknown) when there is none or
   * the rewind fails.
   */
  private async rewound(conversation: Conversation, deadline: TurnDeadline): Promise<RunningTurn | undefined> {
    const { ledger, live } = this.parts;
    const point = ledger.leaseForkPoint(conversation.partition, conversation.dialogue);
    if (!point) return undefined;
    const { entry } = point;
    if (!live.staysOn(entry.session)) {
      ledger.discard(entry);
      return undefined;
    }
    // The runtime reads the kept history back as from disk, tool messages with a private field only the relay removes:
    // a session that calls the provider directly is rewound only where it keeps no tool message (otherwise: seeded).
    if (!entry.session.readBack && conversation.dialogue.slice(0, point.index).some((message) => message.role === "tool")) {
      ledger.release(entry);
      return undefined;
    }
    // Leased, so no turn runs on it: the runtime does not refuse to rewind a busy session (it cuts the turn's history).
    live.claim(entry.session);
    let session: CopilotSession;
    try {
      session = await this.wake(entry.session, deadline);
      await deadline.within(() => rewindSession(session, point.eventId), "rewind the session");
    } catch (error) {
      ledger.discard(entry);
      if (error instanceof GatewayError) throw error;
      return undefined;
    }
    ledger.rewound(entry, point.index);
    return this.startOrDiscard(entry, session, conversation, sendingDelivery(session, conversation, point.messages), "rewound", deadline);
  }

  /**
   * A session of its own for a conversation the ledger cannot continue: its
   * trailing user messages are sent natively, and everything before them is
   * seeded as the session's history (or, if that fails, flattened).
   */
  private async opened(conversation: Conversation, deadline: TurnDeadline): Promise<RunningTurn> {
    const { dialogue } = conversation;
    if (dialogue.at(-1)?.role === "approval") throw approvalNotPending(dialogue.at(-1) as ApprovalMessage);
    const history = dialogue.slice(0, dialogue.length - trailingUserMessages(dialogue).length);
    if (history.length > 0) {
      const seeded = await this.seeded(conversation, history, deadline);
      if (seeded) return seeded;
      return this.fresh(conversation, "flattened", deadline);
    }
    // A request of system messages only has nothing to send: it gets the old empty prompt.
    return this.fresh(conversation, dialogue.length > 0 ? "new" : "flattened", deadline);
  }

  private async seeded(conversation: Conversation, history: DialogueMessage[], deadline: TurnDeadline): Promise<RunningTurn | undefined> {
    const { runtime, logger } = this.parts;
    let seeded: SeededHistory | undefined;
    let session: CopilotSession;
    try {
      const seeding = () =>
        runtime.seedSession(
          conversation.spec,
          (sessionId, workingDirectory) => {
            seeded = historyEvents(history, { sessionId, cwd: workingDirectory, now: new Date(), newId: randomUUID });
            return seeded.events;
          },
          conversation.signal,
        );
      session = await deadline.within(seeding, "open the seeded session", this.closeLate);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      // The client left: nobody is waiting for a flattened fallback either.
      if (conversation.signal.aborted) throw error;
      logger.warn("history flattened: the session could not be seeded", { reason: error instanceof Error ? error.message : String(error), messages: history.length });
      return undefined;
    }
    const entry = this.adopt(conversation, session);
    entry.session.readBack = true;
    const trailing = conversation.dialogue.slice(history.length) as UserMessage[];
    const delivery: TurnDelivery = {
      ...sendingDelivery(session, conversation, trailing),
      heldUserMessages: [...seeded!.userMessageEvents].map(([index, eventId]) => ({ index, eventId })),
    };
    const running = await this.startOrDiscard(entry, session, conversation, delivery, "seeded", deadline);
    if (!running) logger.warn("history flattened: the seeded session did not take the turn", { messages: history.length });
    return running;
  }

  /** A new session given the request's messages as one prompt (flattened) or its user messages as they are (new, or warm when one was ready). */
  private async fresh(conversation: Conversation, opened: "new" | "flattened", deadline: TurnDeadline): Promise<RunningTurn> {
    const { runtime, warm, recycled, recorder } = this.parts;
    let session: CopilotSession;
    let origin: SessionOrigin = opened;
    // Counted while its turn runs: how many a partition runs at once is how many recycled sessions it keeps.
    const arrived = opened === "new" ? recycled.arrive(conversation.partition) : () => {};
    try {
      const reused = opened === "new" ? await deadline.within(() => recycled.take(conversation.partition), "rewind a recycled session", this.closeLate) : undefined;
      const ready = opened === "new" && !reused ? await warm.take(conversation.partition, conversation.signal, Math.min(WARM_WAIT_MS, deadline.remainingMs)) : undefined;
      if (reused) origin = "recycled";
      else if (ready) origin = "warm";
      session = reused ?? ready ?? (await deadline.within(() => runtime.openSession(conversation.spec, conversation.signal), "open a session", this.closeLate));
    } catch (error) {
      arrived();
      if (error instanceof GatewayError) throw error;
      throw runtimeCallError(error, "open a session");
    }
    const entry = this.adopt(conversation, session);
    let delivery: TurnDelivery;
    if (opened === "new") {
      delivery = sendingDelivery(session, conversation, conversation.dialogue as UserMessage[]);
    } else {
      const rendered = renderSessionPrompt(conversation.request.messages);
      delivery = { begin: sendMessages(session, [rendered], conversation.request.responseFormat), promptChars: rendered.prompt.length };
    }
    const turn = recorder.run(entry, session, conversation, delivery, deadline.remainingMs);
    void turn.outcome.finally(arrived);
    // The next conversation like this one should not wait for its session either: one is opened once this turn is over
    // (not after a recycled one: the next is recycled too, while conversations of this partition keep ending).
    if (opened === "new" && origin !== "recycled") {
      void turn.outcome.then((outcome) => {
        if (outcome.kind === "completed" || outcome.kind === "tool_calls_pending") warm.prepare(conversation.partition, conversation.spec);
      });
    }
    try {
      await turn.started;
    } catch (error) {
      // The turn's deadline (504) or a shutdown (503) is passed on as it is.
      if (error instanceof GatewayError) throw error;
      throw runtimeCallError(error, "start the turn");
    }
    return { entry, session, turn, origin };
  }

  /** The held session, live: a suspended one is resumed, its suspension still under way waited for within the deadline too. */
  private wake(held: HeldSession, deadline: TurnDeadline): Promise<CopilotSession> {
    const { live, runtime } = this.parts;
    const resume = () => deadline.within(() => runtime.resumeSession(held.sessionId, held.spec), "resume the session", this.closeLate);
    return deadline.within(() => live.wake(held, resume), "resume the session");
  }

  /** A session the runtime opened (or resumed, or rewound) once its request no longer waited for it. */
  private readonly closeLate = (late: CopilotSession | undefined): void => {
    if (late) void this.parts.runtime.closeSession(late);
  };

  private adopt(conversation: Conversation, session: CopilotSession): LedgerEntry<HeldSession> {
    return this.parts.ledger.adopt(conversation.partition, heldSession(session, conversation.spec, conversation.partition, this.parts.runtime.toolGates));
  }

  /** Starts the turn; undefined (session dropped) when the session cannot take it, so the caller tries another way. */
  private async startOrDiscard(
    entry: LedgerEntry<HeldSession>,
    session: CopilotSession,
    conversation: Conversation,
    delivery: TurnDelivery,
    origin: SessionOrigin,
    deadline: TurnDeadline,
  ): Promise<RunningTurn | undefined> {
    const turn = this.parts.recorder.run(entry, session, conversation, delivery, deadline.remainingMs);
    try {
      await turn.started;
      return { entry, session, turn, origin };
    } catch (error) {
      this.parts.ledger.discard(entry);
      // The deadline passed (or the gateway is shutting down): trying another way would only wait again.
      if (error instanceof GatewayError) throw error;
      // Otherwise the turn's own error is never read: the request is served another way.
      return undefined;
    }
  }
}

/**
 * A decision on an approval no session holds: the conversation's session
 * expired, was evicted or is on another gateway process, or the request
 * was answered already. Its call cannot run any more; a 400 says so.
 */
function approvalNotPending(message: ApprovalMessage): GatewayError {
  return new GatewayError({
    status: 400,
    param: "input",
    code: "approval_request_not_pending",
    message: `The approval request '${message.requestId}' is not waiting on this gateway any more (its conversation expired or was answered already), so its call cannot run. Send the request again without the approval response to let the model call the tool anew.`,
  });
}

/** Sends the request's last `messages` (each its own message) on the session. */
function sendingDelivery(session: CopilotSession, conversation: Conversation, messages: readonly UserMessage[]): TurnDelivery {
  return userMessagesDelivery(session, conversation.dialogue.length, conversation.request.responseFormat, messages);
}
