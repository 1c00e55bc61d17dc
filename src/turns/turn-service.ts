// Starts turns for the HTTP dialects. A request that continues a conversation
// the ledger knows runs on that conversation's live Copilot session: tool
// results answer the calls the session waits on (no new prompt, so a whole
// agent loop is one Copilot interaction), new user messages are sent to it.
// An edited or regenerated user turn branches the recorded conversation: its
// session is forked before that user message. Anything else gets a new
// session, with the earlier turns rendered as a transcript. A session that cannot take its continuation (the runtime was
// restarted, say) is dropped and the request falls back to a new session.
//
// Sessions waiting on tool calls stay live (an agent loop's next step costs a
// few milliseconds); idle ones are suspended, because every live session makes
// the runtime slower to open new ones, and resumed when their conversation
// goes on.
import type { CopilotSession } from "@github/copilot-sdk";
import { GatewayError } from "../http/errors.js";
import { hash } from "../ledger/fingerprint.js";
import { ConversationLedger, type DialogueMessage, type Lease, type LedgerEntry, type UserMessage } from "../ledger/ledger.js";
import type { Runtime, SessionSpec } from "../runtime/runtime.js";
import { answerToolCalls, sendPrompt } from "./begin.js";
import type { TurnEvent, TurnRequest } from "./events.js";
import { renderParts, renderSessionPrompt, systemPromptOf, type BlobAttachment } from "./prompt.js";
import { runTurn, type Turn, type TurnOutcome } from "./run-turn.js";
import { checkedOutput, structuredOutputCheck } from "./structured-output.js";
import { offeredTools, requireToolCall, requiresToolCall } from "./tool-choice.js";
import { resolveModel } from "./model-aliases.js";
import { runtimeCallError } from "./upstream-errors.js";

export interface TurnServiceOptions {
  deadlineMs: number;
  maxSessions: number;
  sessionTtlMs: number;
  /** Client model names → served ids, before the built-in Claude Code name rules. */
  modelAliases?: ReadonlyMap<string, string>;
}

export interface StartedTurn extends AsyncIterable<TurnEvent> {
  readonly sessionId: string;
  readonly outcome: Promise<TurnOutcome>;
}

/** A conversation's Copilot session: live while a turn runs or tool calls wait, suspended otherwise. */
interface HeldSession {
  readonly sessionId: string;
  readonly spec: SessionSpec;
  live: CopilotSession | undefined;
  suspending: Promise<void> | undefined;
}

interface RunningTurn {
  entry: LedgerEntry<HeldSession>;
  session: CopilotSession;
  turn: Turn;
}

export class TurnService {
  readonly ledger: ConversationLedger<HeldSession>;

  constructor(
    private readonly runtime: Runtime,
    private readonly options: TurnServiceOptions,
  ) {
    this.ledger = new ConversationLedger<HeldSession>({
      maxSessions: options.maxSessions,
      idleTtlMs: options.sessionTtlMs,
      close: async (held) => {
        await held.suspending;
        await runtime.closeSession(held.live ?? held.sessionId);
      },
    });
  }

  /**
   * The served model id for the name a client sent (exactly, through the
   * alias table, or by the Claude Code naming rules); a 404
   * `model_not_found` when none fits.
   */
  async resolveModel(model: string): Promise<string> {
    let models;
    try {
      models = await this.runtime.listModels();
    } catch (error) {
      throw new GatewayError({
        status: 503,
        code: "models_unavailable",
        message: `The model list could not be read from the Copilot runtime: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    const resolved = resolveModel(
      model,
      models.map((entry) => entry.id),
      this.options.modelAliases,
    );
    if (resolved === undefined) {
      throw new GatewayError({
        status: 404,
        code: "model_not_found",
        param: "model",
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
      });
    }
    return resolved;
  }

  /** `caller` identifies who is asking (their API key); sessions are never shared across callers. */
  async start(request: TurnRequest, signal: AbortSignal, caller: string): Promise<StartedTurn> {
    const check = request.responseFormat ? structuredOutputCheck(request.responseFormat) : undefined;
    const model = await this.resolveModel(request.model);
    const spec: SessionSpec = {
      model,
      systemMessage: systemPromptOf(request.messages),
      tools: offeredTools(request),
      ...(request.reasoningEffort ? { reasoningEffort: request.reasoningEffort } : {}),
    };
    // A session cannot change its model, system prompt or tools, and is never shared across callers.
    const partition = hash(JSON.stringify([caller, spec]));
    const dialogue = request.messages.filter((message): message is DialogueMessage => message.role !== "system");

    const lease = this.ledger.lease(partition, dialogue);
    let running = lease ? await this.continueSession(lease, dialogue, request, signal) : undefined;
    running ??= await this.branchSession(partition, spec, dialogue, request, signal);
    if (!running) {
      let session: CopilotSession;
      try {
        session = await this.runtime.openSession(spec);
      } catch (error) {
        throw runtimeCallError(error, "open a session");
      }
      const entry = this.ledger.adopt(partition, { sessionId: session.sessionId, spec, live: session, suspending: undefined });
      // Only a new session needs the whole history rendered as a transcript.
      const rendered = renderSessionPrompt(request.messages);
      const begin = sendPrompt(session, rendered.prompt, rendered.attachments, request.responseFormat);
      running = this.run(entry, session, dialogue, request, signal, begin, rendered.prompt.length, undefined);
      try {
        await running.turn.started;
      } catch (error) {
        throw runtimeCallError(error, "start the turn");
      }
    }

    const { entry, session, turn } = running;
    let events: AsyncIterable<TurnEvent> = turn;
    if (check) events = checkedOutput(events, check);
    if (requiresToolCall(request)) events = requireToolCall(events);
    if (events !== turn) events = this.dropOnRejection(events, entry, turn);
    return {
      sessionId: session.sessionId,
      outcome: turn.outcome,
      [Symbol.asyncIterator]: () => events[Symbol.asyncIterator](),
    };
  }

  /** Runs the continuation on the leased session; undefined (session dropped) when it cannot take it. */
  private async continueSession(
    lease: Lease<HeldSession>,
    dialogue: DialogueMessage[],
    request: TurnRequest,
    signal: AbortSignal,
  ): Promise<RunningTurn | undefined> {
    const { entry, continuation } = lease;
    const held = entry.session;
    try {
      if (!held.live) {
        await held.suspending;
        held.live = await this.runtime.resumeSession(held.sessionId, held.spec);
      }
    } catch {
      this.ledger.discard(entry);
      return undefined;
    }
    const session = held.live;
    let running: RunningTurn;
    if (continuation.kind === "answer_tools") {
      const results = withFollowUp(continuation.pending, continuation.results, continuation.followUp);
      const begin = answerToolCalls(session, continuation.pending, results);
      running = this.run(entry, session, dialogue, request, signal, begin, 0, undefined);
    } else {
      running = this.sendUserMessages(entry, session, dialogue, continuation.messages, request, signal);
    }
    try {
      await running.turn.started;
      return running;
    } catch {
      // The session could not take it (its runtime is gone, say); the turn's
      // own error is never read, and the request starts afresh instead.
      this.ledger.discard(entry);
      return undefined;
    }
  }

  /** Forks the recorded conversation this request branches from; undefined when there is none or forking fails. */
  private async branchSession(
    partition: string,
    spec: SessionSpec,
    dialogue: DialogueMessage[],
    request: TurnRequest,
    signal: AbortSignal,
  ): Promise<RunningTurn | undefined> {
    const point = this.ledger.leaseForkPoint(partition, dialogue);
    if (!point) return undefined;
    const source = point.entry.session;
    let session: CopilotSession;
    try {
      // Forking a suspended session leaves it unable to resume ("First event
      // must be session.start"), so the source is reconnected for the fork.
      if (!source.live) {
        await source.suspending;
        source.live = await this.runtime.resumeSession(source.sessionId, source.spec);
      }
      session = await this.runtime.forkSession(source.sessionId, point.eventId, spec);
    } catch {
      return undefined;
    } finally {
      this.suspend(source);
      this.ledger.release(point.entry);
    }
    const entry = this.ledger.adopt(partition, { sessionId: session.sessionId, spec, live: session, suspending: undefined });
    const running = this.sendUserMessages(entry, session, dialogue, point.messages, request, signal);
    try {
      await running.turn.started;
      return running;
    } catch {
      this.ledger.discard(entry);
      return undefined;
    }
  }

  /** Sends the request's trailing user messages to a session that holds everything before them. */
  private sendUserMessages(
    entry: LedgerEntry<HeldSession>,
    session: CopilotSession,
    dialogue: DialogueMessage[],
    messages: UserMessage[],
    request: TurnRequest,
    signal: AbortSignal,
  ): RunningTurn {
    const attachments: BlobAttachment[] = [];
    const prompt = messages.map((message) => renderParts(message.content, attachments)).join("\n\n");
    const begin = sendPrompt(session, prompt, attachments, request.responseFormat);
    return this.run(entry, session, dialogue, request, signal, begin, prompt.length, dialogue.length - messages.length);
  }

  /**
   * Runs a turn on a leased session; when it is over the session is recorded,
   * or dropped if it is not reusable. `sentAt` is the transcript index of the
   * user message this turn sends natively, where the conversation can later branch.
   */
  private run(
    entry: LedgerEntry<HeldSession>,
    session: CopilotSession,
    dialogue: DialogueMessage[],
    request: TurnRequest,
    signal: AbortSignal,
    begin: () => Promise<unknown>,
    promptChars: number,
    sentAt: number | undefined,
  ): RunningTurn {
    const turn = runTurn(session, {
      begin,
      promptChars,
      signal,
      deadlineMs: this.options.deadlineMs,
      stop: request.stop,
      parallelToolCalls: request.parallelToolCalls,
      ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
    });
    void turn.outcome.then((outcome) => {
      if (outcome.kind === "completed" || outcome.kind === "tool_calls_pending") {
        const answer: DialogueMessage = { role: "assistant", text: outcome.answer.text, toolCalls: outcome.answer.toolCalls };
        const pending = outcome.kind === "tool_calls_pending" ? outcome.pending : [];
        if (pending.length === 0) this.suspend(entry.session);
        const eventId = outcome.answer.userMessageEventId;
        this.ledger.record(entry, [...dialogue, answer], pending, sentAt !== undefined && eventId ? { index: sentAt, eventId } : undefined);
      } else {
        this.ledger.discard(entry);
      }
    });
    return { entry, session, turn };
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

  private suspend(held: HeldSession): void {
    const live = held.live;
    if (!live) return;
    held.live = undefined;
    held.suspending = this.runtime.suspendSession(live);
  }
}

/**
 * User text sent together with tool results (Claude Code appends
 * <system-reminder> blocks; a user may type while tools run) rides along with
 * the last result, so the loop stays one native turn and the model still reads it.
 */
function withFollowUp(pending: readonly { toolCallId: string }[], results: ReadonlyMap<string, string>, followUp: readonly UserMessage[]): ReadonlyMap<string, string> {
  const last = pending.at(-1);
  if (followUp.length === 0 || !last) return results;
  const text = followUp
    .flatMap((message) => message.content.map((part) => (part.type === "text" ? part.text : "[image omitted: images cannot accompany tool results]")))
    .join("\n\n");
  return new Map([...results, [last.toolCallId, `${results.get(last.toolCallId) ?? ""}\n\n${text}`]]);
}
