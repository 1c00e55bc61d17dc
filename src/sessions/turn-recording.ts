// What the ledger learns when a turn ends. Every turn runs here, so that its
// ending is never missed: one that completed, or stopped on client tool
// calls, is recorded under the transcript the client now holds (its messages
// and the answer it was shown) with the calls its session waits on and the
// user messages it can be rewound to; any other ending, a session whose
// runtime is being replaced, or an answer a check turned into an error drops
// the conversation's session.
import type { CopilotSession } from "@github/copilot-sdk";
import type { TurnEvent } from "../core/turn.js";
import { runTurn, type Turn, type TurnOptions, type TurnOutcome } from "../turns/run-turn.js";
import { endedNaturally } from "../turns/turn-outcome.js";
import type { ServerToolLimits } from "../turns/server-tool-calls.js";
import type { Conversation } from "./conversation.js";
import type { ConversationLedger, DialogueMessage, ForkMark, LedgerEntry } from "./ledger.js";
import type { HeldSession, LiveSessions } from "./live-sessions.js";
import type { TurnDelivery } from "./turn-delivery.js";

export class TurnRecorder {
  /** The outcomes of turns started and not yet over. */
  private readonly running = new Set<Promise<TurnOutcome>>();

  constructor(
    private readonly ledger: ConversationLedger<HeldSession>,
    private readonly live: LiveSessions,
    private readonly deadlineMs: number,
    private readonly serverTools: ServerToolLimits,
  ) {}

  /** Turns started and not yet over. */
  get turnsRunning(): number {
    return this.running.size;
  }

  /**
   * Resolves once every turn running now is over and what its ending set off
   * (recording, a session opened ahead) has begun; an answer can reach its
   * client a moment before that.
   */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /**
   * Runs a turn on a leased session; when it is over the session is recorded,
   * or dropped if it is not reusable. `startWithinMs`: what is left of the
   * turn's deadline, which getting the session took from.
   */
  run(entry: LedgerEntry<HeldSession>, session: CopilotSession, conversation: Conversation, delivery: TurnDelivery, startWithinMs: number): Turn {
    const { request, signal, dialogue } = conversation;
    const turn = runTurn(session, {
      begin: delivery.begin,
      promptChars: delivery.promptChars,
      signal,
      deadlineMs: this.deadlineMs,
      startWithinMs,
      stop: request.stop,
      parallelToolCalls: request.parallelToolCalls,
      // The session's other tools (its MCP servers') are the runtime's to run.
      clientTools: new Set(conversation.spec.tools.map((tool) => tool.name)),
      serverTools: this.serverTools,
      ...(conversation.onServerToolCall ? { onServerToolCall: conversation.onServerToolCall } : {}),
      ...requestedServersView(conversation, entry.session),
      ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
    });
    this.running.add(turn.outcome);
    void turn.outcome.then((outcome) => {
      this.running.delete(turn.outcome);
      this.record(entry, dialogue, delivery, outcome);
    });
    return turn;
  }

  /**
   * When a check turned a finished answer into an error, the client never got
   * that answer, so the recorded conversation cannot go on: drop it (after
   * the outcome has recorded it).
   */
  async *dropOnRejection(events: AsyncIterable<TurnEvent>, entry: LedgerEntry<HeldSession>, turn: Turn): AsyncGenerator<TurnEvent> {
    for await (const event of events) {
      if (event.type === "error") void turn.outcome.then(() => this.ledger.drop(entry));
      yield event;
    }
  }

  private record(entry: LedgerEntry<HeldSession>, dialogue: readonly DialogueMessage[], delivery: TurnDelivery, outcome: TurnOutcome): void {
    if (!endedNaturally(outcome)) return this.ledger.discard(entry);
    if (!this.live.staysOn(entry.session)) return this.ledger.discard(entry);
    const { text, toolCalls, approvals: shownApprovals } = outcome.answer;
    const answer: DialogueMessage = { role: "assistant", text, toolCalls, ...(shownApprovals ? { approvals: shownApprovals } : {}) };
    const pending = outcome.kind === "tool_calls_pending" ? outcome.pending : [];
    const approvals = outcome.kind === "approvals_pending" ? outcome.approvals : [];
    // A session waiting on the client (its tools, or an approval) stays live: it is never suspended.
    if (pending.length === 0 && approvals.length === 0) this.live.keepIdle(entry.session);
    const marks = forkMarks(delivery, outcome.answer.userMessageEventId);
    entry.session.startEventId ??= marks.find((mark) => mark.index === 0)?.eventId;
    this.ledger.record(entry, [...dialogue, answer], pending, marks, approvals);
  }
}

/**
 * What the turn shows of the servers the request named: their calls, the
 * tools of those the client has not been shown yet, and the session's
 * calls waiting on approval.
 */
function requestedServersView(conversation: Conversation, held: HeldSession): Pick<TurnOptions, "shownServers" | "listServers" | "approvals"> {
  const requested = conversation.request.servers ?? [];
  if (requested.length === 0) return held.approvals ? { approvals: held.approvals } : {};
  const servers = conversation.spec.mcpServers ?? {};
  const listServers = requested.filter((server) => !server.listed).map((server) => ({ server: server.label, ...(servers[server.label]?.tools ? { allowedTools: servers[server.label]!.tools } : {}) }));
  return {
    shownServers: new Set(requested.map((server) => server.label)),
    ...(listServers.length > 0 ? { listServers } : {}),
    ...(held.approvals ? { approvals: held.approvals } : {}),
  };
}

/** The user messages the session now holds natively: a seeded history's, and the first one this turn sent. */
function forkMarks(delivery: TurnDelivery, sentEventId: string | undefined): ForkMark[] {
  const marks = [...(delivery.heldUserMessages ?? [])];
  if (delivery.sentAt !== undefined && sentEventId) marks.push({ index: delivery.sentAt, eventId: sentEventId });
  return marks;
}
