// Decides which Copilot session serves a request, then runs the turn on it.
//
// In order of preference:
// - continued: the ledger holds the conversation's live (or suspended)
//   session; tool results answer the calls it waits on (a whole agent loop is
//   one Copilot interaction), new user messages are sent to it;
// - forked: an edited or regenerated user turn branches a recorded
//   conversation before that message;
// - new: a conversation of user messages only opens a session and sends them;
// - seeded: a history the ledger does not hold (a new caller, a restart,
//   another gateway process, an evicted session) becomes the new session's own
//   history, so the model reads it as native messages;
// - flattened: only when seeding fails, the history is rendered as a
//   transcript in one prompt, and the reason is logged.
//
// Sessions waiting on tool calls stay live (an agent loop's next step costs a
// few milliseconds), and so do the most recently used idle ones: resuming a
// suspended session costs as much as opening one (~25 ms of the runtime's
// CPU), while an idle live one costs ~2.7 MB of the runtime's memory and, at
// 0, 32 or 128 of them, no measurable time or CPU to other sessions' turns
// or opens. Beyond `liveSessions` (128) the least recently used are
// suspended, and resumed when their conversation goes on: a cap below the
// conversations in use makes every turn a resume (at 32, 50 concurrent chats
// cost the runtime 37 ms of CPU per turn against 20). A new
// conversation takes a ready session when one was opened ahead for its
// configuration (warm-sessions.ts).
import { randomUUID } from "node:crypto";
import type { CopilotSession } from "@github/copilot-sdk";
import { GatewayError } from "../core/gateway-error.js";
import { silentLogger, type Logger } from "../core/logger.js";
import type { Runtime, SessionSpec } from "../runtime/runtime.js";
import { sendMessages } from "../turns/turn-input.js";
import type { TurnEvent, TurnRequest } from "../core/turn.js";
import type { Caller } from "../access/caller.js";
import { renderSessionPrompt, systemPromptOf } from "../turns/prompt.js";
import { runTurn, type Turn, type TurnOutcome } from "../turns/run-turn.js";
import { checkedOutput, structuredOutputCheck } from "../turns/structured-output.js";
import { offeredTools, requireToolCall, requiresToolCall } from "../turns/tool-choice.js";
import { withinDeadline } from "../turns/deadline.js";
import { ModelCatalog } from "./model-catalog.js";
import { runtimeCallError } from "../turns/upstream-errors.js";
import { hash } from "./fingerprint.js";
import { historyEvents, type SeededHistory } from "./history-events.js";
import { ConversationLedger, type DialogueMessage, type Lease, type LedgerEntry, type UserMessage } from "./ledger.js";
import { WarmSessions } from "./warm-sessions.js";
import { toolAnswersOpening, trailingUserMessages, userMessagesOpening, type Opening } from "./openings.js";

export interface ConversationServiceOptions {
  deadlineMs: number;
  maxSessions: number;
  sessionTtlMs: number;
  /** Client model names → served ids, before the built-in Claude Code name rules. */
  modelAliases?: ReadonlyMap<string, string>;
  /** Session configurations kept with a ready session (default 4; 0: none). */
  warmSessions?: number;
  /** Idle conversations whose session stays live, the most recently used (default 128). */
  liveSessions?: number;
  logger?: Logger;
}

/** A ready session unused for this long is closed. */
const WARM_IDLE_MS = 5 * 60_000;
/** How long a new conversation waits for a session still being opened ahead (one takes ~25 ms), before it opens its own. */
const WARM_WAIT_MS = 5_000;
/** Ready sessions are opened only while fewer turns than this run and no session is being opened: never at the expense of a waiting request. */
const WARM_WHILE_TURNS_BELOW = 4;

/** Where the session serving a request came from; `warm`: a new conversation on a session opened ahead for it. */
export type SessionOrigin = "continued" | "forked" | "new" | "warm" | "seeded" | "flattened";

export interface StartedTurn extends AsyncIterable<TurnEvent> {
  readonly sessionId: string;
  readonly origin: SessionOrigin;
  readonly outcome: Promise<TurnOutcome>;
}

/** A conversation's Copilot session: live while a turn runs or tool calls wait, suspended otherwise. */
interface HeldSession {
  readonly sessionId: string;
  readonly spec: SessionSpec;
  live: CopilotSession | undefined;
  suspending: Promise<void> | undefined;
}

/** One request's view of its conversation. */
interface Conversation {
  request: TurnRequest;
  signal: AbortSignal;
  partition: string;
  spec: SessionSpec;
  dialogue: DialogueMessage[];
}

interface RunningTurn {
  entry: LedgerEntry<HeldSession>;
  session: CopilotSession;
  turn: Turn;
  origin: SessionOrigin;
}

export class ConversationService {
  readonly ledger: ConversationLedger<HeldSession>;
  readonly warm: WarmSessions;
  /** The models served, and which one a client's model name means. */
  readonly models: ModelCatalog;
  private readonly logger: Logger;
  /** Idle conversations whose session is still live, least recently used first. */
  private readonly liveIdle = new Set<HeldSession>();
  private turnsRunning = 0;

  constructor(
    private readonly runtime: Runtime,
    private readonly options: ConversationServiceOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.models = new ModelCatalog(runtime, options.modelAliases);
    this.ledger = new ConversationLedger<HeldSession>({
      maxSessions: options.maxSessions,
      idleTtlMs: options.sessionTtlMs,
      close: async (held) => {
        this.liveIdle.delete(held);
        await held.suspending;
        await runtime.closeSession(held.live ?? held.sessionId);
      },
    });
    this.warm = new WarmSessions(runtime, { max: options.warmSessions ?? 4, idleMs: WARM_IDLE_MS, hasRoom: () => this.turnsRunning < WARM_WHILE_TURNS_BELOW && (runtime.hasRoom?.() ?? true) });
  }

  /** Closes idle conversations and ready sessions unused for too long. */
  sweep(): void {
    this.ledger.sweep();
    this.warm.sweep();
  }

  /** Closes every session held: at shutdown. */
  async close(): Promise<void> {
    await Promise.all([this.ledger.closeAll(), this.warm.closeAll()]);
  }

  /** The sessions held for conversations to continue: live (connected) or suspended. */
  sessionCounts(): { live: number; suspended: number } {
    let live = 0;
    for (const held of this.ledger.sessions()) if (held.live) live++;
    return { live, suspended: this.ledger.size - live };
  }

  /**
   * The runtime died, and every session with it: forget them all, so their
   * conversations go on seeded on the next request. They are closed (their
   * state deleted) once a runtime answers again.
   */
  forgetSessions(sessionIds?: ReadonlySet<string>): void {
    const taken = sessionIds ? this.ledger.takeWhere((held) => sessionIds.has(held.sessionId)) : this.ledger.takeAll();
    for (const held of taken) {
      this.liveIdle.delete(held);
      void this.runtime.closeSession(held.sessionId);
    }
    if (sessionIds) this.warm.release(sessionIds);
  }

  /**
   * Their runtime is being replaced: idle sessions are closed now, and those
   * running a turn once it is over (run() does not record them), so every
   * one of these conversations goes on seeded on another runtime.
   */
  retireSessions(sessionIds: ReadonlySet<string>): void {
    this.ledger.closeIdleWhere((held) => sessionIds.has(held.sessionId));
    this.warm.release(sessionIds);
  }

  /** Whether a held session may take another turn: not when its runtime is being replaced. */
  private staysOn(held: HeldSession): boolean {
    return !this.runtime.isRetiring?.(held.sessionId);
  }

  /**
   * `caller` says who is asking; sessions are never shared across callers.
   * `servedModel` is the request's model as the catalogue resolved it, when
   * the caller (admission) has done so already.
   */
  async start(request: TurnRequest, signal: AbortSignal, caller: Pick<Caller, "partition" | "gitHubToken">, servedModel?: string): Promise<StartedTurn> {
    const check = request.responseFormat ? structuredOutputCheck(request.responseFormat) : undefined;
    const model = servedModel ?? (await this.models.resolveModel(request.model, caller));
    const spec: SessionSpec = {
      model,
      systemMessage: systemPromptOf(request.messages),
      tools: offeredTools(request),
      ...(request.reasoningEffort ? { reasoningEffort: request.reasoningEffort } : {}),
      ...(caller.gitHubToken ? { gitHubToken: caller.gitHubToken } : {}),
    };
    const conversation: Conversation = {
      request,
      signal,
      spec,
      // A session cannot change its model, system prompt or tools, and is never shared across callers.
      partition: hash(JSON.stringify([caller.partition, spec])),
      dialogue: request.messages.filter((message): message is DialogueMessage => message.role !== "system"),
    };

    const lease = this.ledger.lease(conversation.partition, conversation.dialogue);
    const running =
      (lease ? await this.continueSession(lease, conversation) : undefined) ??
      (await this.branchSession(conversation)) ??
      (await this.openSession(conversation));

    const { entry, session, turn, origin } = running;
    let events: AsyncIterable<TurnEvent> = turn;
    if (check) events = checkedOutput(events, check);
    if (requiresToolCall(request)) events = requireToolCall(events);
    if (events !== turn) events = this.dropOnRejection(events, entry, turn);
    return {
      sessionId: session.sessionId,
      origin,
      outcome: turn.outcome,
      [Symbol.asyncIterator]: () => events[Symbol.asyncIterator](),
    };
  }

  /** Runs the continuation on the leased session; undefined (session dropped) when it cannot take it. */
  private async continueSession(lease: Lease<HeldSession>, conversation: Conversation): Promise<RunningTurn | undefined> {
    const { entry, continuation } = lease;
    const held = entry.session;
    if (!this.staysOn(held)) {
      this.ledger.discard(entry);
      return undefined;
    }
    this.liveIdle.delete(held);
    try {
      if (!held.live) {
        await held.suspending;
        held.live = await this.bounded(this.runtime.resumeSession(held.sessionId, held.spec), "resume the session", conversation.signal);
      }
    } catch (error) {
      this.ledger.discard(entry);
      // A runtime that is stuck (or a shutdown) ends the request; any other failure is served another way.
      if (error instanceof GatewayError) throw error;
      return undefined;
    }
    const session = held.live;
    const opening =
      continuation.kind === "answer_tools"
        ? toolAnswersOpening(session, continuation.pending, continuation.results, continuation.followUp)
        : sendingOpening(session, conversation, continuation.messages);
    return this.startOrDiscard(entry, session, conversation, opening, "continued");
  }

  /** Forks the recorded conversation this request branches from; undefined when there is none or forking fails. */
  private async branchSession(conversation: Conversation): Promise<RunningTurn | undefined> {
    const point = this.ledger.leaseForkPoint(conversation.partition, conversation.dialogue);
    if (!point) return undefined;
    const source = point.entry.session;
    if (!this.staysOn(source)) {
      this.ledger.release(point.entry);
      return undefined;
    }
    let session: CopilotSession;
    try {
      // Forking a suspended session leaves it unable to resume ("First event
      // must be session.start"), so the source is reconnected for the fork.
      if (!source.live) {
        await source.suspending;
        source.live = await this.bounded(this.runtime.resumeSession(source.sessionId, source.spec), "resume the session", conversation.signal);
      }
      session = await this.bounded(this.runtime.forkSession(source.sessionId, point.eventId, conversation.spec, conversation.signal), "fork the session", conversation.signal);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      return undefined;
    } finally {
      this.keepIdle(source);
      this.ledger.release(point.entry);
    }
    const entry = this.adopt(conversation, session);
    return this.startOrDiscard(entry, session, conversation, sendingOpening(session, conversation, point.messages), "forked");
  }

  /**
   * A session of its own for a conversation the ledger cannot continue: its
   * trailing user messages are sent natively, and everything before them is
   * seeded as the session's history (or, if that fails, flattened).
   */
  private async openSession(conversation: Conversation): Promise<RunningTurn> {
    const { dialogue } = conversation;
    const history = dialogue.slice(0, dialogue.length - trailingUserMessages(dialogue).length);
    if (history.length > 0) {
      const seeded = await this.seedSession(conversation, history);
      if (seeded) return seeded;
      return this.openFresh(conversation, "flattened");
    }
    // A request of system messages only has nothing to send: it gets the old empty prompt.
    return this.openFresh(conversation, dialogue.length > 0 ? "new" : "flattened");
  }

  private async seedSession(conversation: Conversation, history: DialogueMessage[]): Promise<RunningTurn | undefined> {
    let seeded: SeededHistory | undefined;
    let session: CopilotSession;
    try {
      const seeding = this.runtime.seedSession(
        conversation.spec,
        (sessionId, workingDirectory) => {
          seeded = historyEvents(history, { sessionId, cwd: workingDirectory, now: new Date(), newId: randomUUID });
          return seeded.events;
        },
        conversation.signal,
      );
      session = await this.bounded(seeding, "open the seeded session", conversation.signal);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      // The client left: nobody is waiting for a flattened fallback either.
      if (conversation.signal.aborted) throw error;
      this.logger.warn("history flattened: the session could not be seeded", { reason: error instanceof Error ? error.message : String(error), messages: history.length });
      return undefined;
    }
    const entry = this.adopt(conversation, session);
    const trailing = conversation.dialogue.slice(history.length) as UserMessage[];
    const opening: Opening = {
      ...sendingOpening(session, conversation, trailing),
      heldUserMessages: [...seeded!.userMessageEvents].map(([index, eventId]) => ({ index, eventId })),
    };
    const running = await this.startOrDiscard(entry, session, conversation, opening, "seeded");
    if (!running) this.logger.warn("history flattened: the seeded session did not take the turn", { messages: history.length });
    return running;
  }

  /** A new session given the request's messages as one prompt (flattened) or its user messages as they are (new, or warm when one was ready). */
  private async openFresh(conversation: Conversation, opened: "new" | "flattened"): Promise<RunningTurn> {
    let session: CopilotSession;
    let origin: SessionOrigin = opened;
    try {
      const ready = opened === "new" ? await this.warm.take(conversation.partition, conversation.signal, WARM_WAIT_MS) : undefined;
      if (ready) origin = "warm";
      session = ready ?? (await this.bounded(this.runtime.openSession(conversation.spec, conversation.signal), "open a session", conversation.signal));
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw runtimeCallError(error, "open a session");
    }
    const entry = this.adopt(conversation, session);
    let opening: Opening;
    if (opened === "new") {
      opening = sendingOpening(session, conversation, conversation.dialogue as UserMessage[]);
    } else {
      const rendered = renderSessionPrompt(conversation.request.messages);
      opening = { begin: sendMessages(session, [rendered], conversation.request.responseFormat), promptChars: rendered.prompt.length };
    }
    const running = this.run(entry, session, conversation, opening, origin);
    // The next conversation like this one should not wait for its session either: one is opened once this turn is over.
    if (opened === "new") {
      void running.turn.outcome.then((outcome) => {
        if (outcome.kind === "completed" || outcome.kind === "tool_calls_pending") this.warm.prepare(conversation.partition, conversation.spec);
      });
    }
    try {
      await running.turn.started;
    } catch (error) {
      // The turn's deadline (504) or a shutdown (503) is passed on as it is.
      if (error instanceof GatewayError) throw error;
      throw runtimeCallError(error, "start the turn");
    }
    return running;
  }

  /** A runtime call made while starting a turn, bounded by the turn's deadline; a session it opens too late is closed. */
  private bounded(call: Promise<CopilotSession>, action: string, signal: AbortSignal): Promise<CopilotSession> {
    return withinDeadline(call, this.options.deadlineMs, action, signal, (late) => this.runtime.closeSession(late));
  }

  private adopt(conversation: Conversation, session: CopilotSession): LedgerEntry<HeldSession> {
    return this.ledger.adopt(conversation.partition, { sessionId: session.sessionId, spec: conversation.spec, live: session, suspending: undefined });
  }

  /** Starts the turn; undefined (session dropped) when the session cannot take it, so the caller tries another way. */
  private async startOrDiscard(
    entry: LedgerEntry<HeldSession>,
    session: CopilotSession,
    conversation: Conversation,
    opening: Opening,
    origin: SessionOrigin,
  ): Promise<RunningTurn | undefined> {
    const running = this.run(entry, session, conversation, opening, origin);
    try {
      await running.turn.started;
      return running;
    } catch (error) {
      this.ledger.discard(entry);
      // The deadline passed (or the gateway is shutting down): trying another way would only wait again.
      if (error instanceof GatewayError) throw error;
      // Otherwise the turn's own error is never read: the request is served another way.
      return undefined;
    }
  }

  /** Runs a turn on a leased session; when it is over the session is recorded, or dropped if it is not reusable. */
  private run(entry: LedgerEntry<HeldSession>, session: CopilotSession, conversation: Conversation, opening: Opening, origin: SessionOrigin): RunningTurn {
    const { request, signal, dialogue } = conversation;
    const turn = runTurn(session, {
      begin: opening.begin,
      promptChars: opening.promptChars,
      signal,
      deadlineMs: this.options.deadlineMs,
      stop: request.stop,
      parallelToolCalls: request.parallelToolCalls,
      ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
    });
    this.turnsRunning++;
    void turn.outcome.then((outcome) => {
      this.turnsRunning--;
      if (outcome.kind !== "completed" && outcome.kind !== "tool_calls_pending") return this.ledger.discard(entry);
      if (!this.staysOn(entry.session)) return this.ledger.discard(entry);
      const answer: DialogueMessage = { role: "assistant", text: outcome.answer.text, toolCalls: outcome.answer.toolCalls };
      const pending = outcome.kind === "tool_calls_pending" ? outcome.pending : [];
      if (pending.length === 0) this.keepIdle(entry.session);
      const forkAt = [...(opening.heldUserMessages ?? [])];
      const sentEventId = outcome.answer.userMessageEventId;
      if (opening.sentAt !== undefined && sentEventId) forkAt.push({ index: opening.sentAt, eventId: sentEventId });
      this.ledger.record(entry, [...dialogue, answer], pending, forkAt);
    });
    return { entry, session, turn, origin };
  }

  /**
   * When a check turned a finished answer into an error, the client never got
   * that answer, so the recorded conversation cannot go on: drop it (after
   * the outcome has recorded it).
   */
  private async *dropOnRejection(events: AsyncIterable<TurnEvent>, entry: LedgerEntry<HeldSession>, turn: Turn): AsyncGenerator<TurnEvent> {
    for await (const event of events) {
      if (event.type === "error") void turn.outcome.then(() => this.ledger.drop(entry));
      yield event;
    }
  }

  /** An idle conversation's session stays live among the most recently used; the least recently used beyond those is suspended. */
  private keepIdle(held: HeldSession): void {
    if (!held.live) return;
    this.liveIdle.delete(held);
    this.liveIdle.add(held);
    for (const oldest of this.liveIdle) {
      if (this.liveIdle.size <= (this.options.liveSessions ?? 128)) break;
      this.liveIdle.delete(oldest);
      this.suspend(oldest);
    }
  }

  private suspend(held: HeldSession): void {
    const live = held.live;
    if (!live) return;
    held.live = undefined;
    held.suspending = this.runtime.suspendSession(live);
  }
}

/** Sends the request's last `messages` (each its own message) on the session. */
function sendingOpening(session: CopilotSession, conversation: Conversation, messages: readonly UserMessage[]): Opening {
  return userMessagesOpening(session, conversation.dialogue.length, conversation.request.responseFormat, messages);
}
