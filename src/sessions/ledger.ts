// The conversation ledger: which live Copilot session continues which
// client conversation.
//
// Each finished turn records its session under the fingerprint of the
// transcript the client now holds (its messages plus the answer it was shown).
// A request is matched to the session whose transcript is the longest prefix
// of its messages, provided the rest is something the session can take:
// results for exactly the tool calls it waits on, decisions on exactly the
// calls it holds for approval, or new user messages when it is idle. Sessions are partitioned (by caller, model, system prompt and
// tools, which a session cannot change), leased to one request at a time,
// bounded by count (least recently used go first) and idle time.
import type { ConversationMessage } from "../core/turn.js";
import type { PendingToolCall } from "../turns/run-turn.js";
import type { PendingApproval } from "../turns/tool-approvals.js";
import { fingerprintChain } from "./fingerprint.js";

export type DialogueMessage = Exclude<ConversationMessage, { role: "system" }>;
export type UserMessage = Extract<ConversationMessage, { role: "user" }>;
export type ToolMessage = Extract<ConversationMessage, { role: "tool" }>;
export type ApprovalMessage = Extract<ConversationMessage, { role: "approval" }>;

export type Continuation =
  | { kind: "send"; messages: UserMessage[] }
  /** `followUp`: user messages sent after the results, in the same request (Claude Code's reminders, a note typed meanwhile). */
  | { kind: "answer_tools"; pending: PendingToolCall[]; results: Map<string, ToolMessage>; followUp: UserMessage[] }
  /** The client's decision on every call the session waits to have approved. */
  | { kind: "answer_approvals"; approvals: PendingApproval[]; decisions: Map<string, ApprovalMessage> };

export interface LedgerEntry<S> {
  readonly session: S;
  readonly partition: string;
  /** Fingerprint of the whole recorded transcript; "" while no turn finished. */
  key: string;
  pending: PendingToolCall[];
  /** Server-side calls the session holds until the client approves or declines them. */
  approvals: PendingApproval[];
  lastUsed: number;
}

/** Where a recorded conversation can branch: before a user message the session was sent natively. */
export interface ForkPoint<S> {
  entry: LedgerEntry<S>;
  /** The session event of that user message; the branch keeps everything before it. */
  eventId: string;
  /** That user message's index in the transcript. */
  index: number;
  /** The request's user messages from that point on. */
  messages: UserMessage[];
}

/** A user message the session holds natively: its index in the transcript and its session event. */
export interface ForkMark {
  index: number;
  eventId: string;
}

export interface Lease<S> {
  entry: LedgerEntry<S>;
  continuation: Continuation;
}

export interface LedgerOptions<S> {
  maxSessions: number;
  idleTtlMs: number;
  /** Disconnects and deletes a session that leaves the ledger. Must not throw. */
  close: (session: S) => Promise<void>;
  /**
   * Lets go of an idle session evicted (past the cap, or the idle time) that
   * waits on nothing: recycled or closed. One waiting on tool calls or
   * approvals is in the middle of a turn, and is closed. Must not throw.
   * `close` when absent.
   */
  evict?: (session: S) => Promise<void>;
  now?: () => number;
}

export class ConversationLedger<S> {
  /** Idle entries by partition + transcript fingerprint, least recently used first. */
  private readonly idle = new Map<string, LedgerEntry<S>>();
  private readonly leased = new Set<LedgerEntry<S>>();
  /** Partition + fingerprint of the messages before a forkable user message → where to fork. */
  private readonly forkPoints = new Map<string, { entry: LedgerEntry<S>; eventId: string }>();
  /** Each entry's keys in forkPoints, so closing one (an eviction, on a new conversation's way to its first token) need not scan them all. */
  private readonly forkKeys = new Map<LedgerEntry<S>, Array<{ key: string; index: number }>>();
  private readonly now: () => number;

  constructor(private readonly options: LedgerOptions<S>) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.idle.size + this.leased.size;
  }

  /** Finds and leases the session this conversation continues, if one can take the rest of it. */
  lease(partition: string, dialogue: readonly DialogueMessage[]): Lease<S> | undefined {
    this.sweep();
    const chain = fingerprintChain(dialogue);
    for (let length = dialogue.length - 1; length >= 1; length--) {
      const key = indexKey(partition, chain[length - 1]!);
      const entry = this.idle.get(key);
      if (!entry) continue;
      const continuation = continuationFor(entry, dialogue.slice(length));
      if (!continuation) continue;
      this.idle.delete(key);
      this.leased.add(entry);
      return { entry, continuation };
    }
    return undefined;
  }

  /**
   * For a request the ledger cannot continue, an idle recorded conversation
   * it branches from: the same messages up to a user message, then other
   * (edited, or regenerated) user messages. The source entry is leased while
   * the caller rewinds it (`rewound`); `release` gives it back unchanged.
   */
  leaseForkPoint(partition: string, dialogue: readonly DialogueMessage[]): ForkPoint<S> | undefined {
    const chain = fingerprintChain(dialogue);
    for (let length = dialogue.length - 1; length >= 1; length--) {
      const point = this.forkPoints.get(indexKey(partition, chain[length - 1]!));
      if (!point || this.idle.get(point.entry.key) !== point.entry || point.entry.pending.length > 0 || point.entry.approvals.length > 0) continue;
      const rest = dialogue.slice(length);
      if (!rest.every((message): message is UserMessage => message.role === "user")) continue;
      this.idle.delete(point.entry.key);
      this.leased.add(point.entry);
      return { entry: point.entry, eventId: point.eventId, index: length, messages: rest };
    }
    return undefined;
  }

  /** Takes in a session opened for a new conversation, leased to the request that opened it. */
  adopt(partition: string, session: S): LedgerEntry<S> {
    const entry: LedgerEntry<S> = { session, partition, key: "", pending: [], approvals: [], lastUsed: this.now() };
    this.leased.add(entry);
    this.evictOverCap();
    return entry;
  }

  /**
   * Ends a lease after a turn that left the session usable, under the
   * transcript the client now holds. `forkAt` marks user messages the session
   * holds natively (their index in the transcript and their session event):
   * the one this turn sent, and those a seeded history carried.
   */
  record(entry: LedgerEntry<S>, transcript: readonly DialogueMessage[], pending: PendingToolCall[], forkAt: readonly ForkMark[] = [], approvals: PendingApproval[] = []): void {
    if (!this.leased.delete(entry)) return;
    const chain = fingerprintChain(transcript);
    entry.key = indexKey(entry.partition, chain.at(-1) ?? "");
    for (const mark of forkAt) {
      if (mark.index <= 0 || mark.index >= transcript.length) continue;
      const key = indexKey(entry.partition, chain[mark.index - 1]!);
      this.forkPoints.set(key, { entry, eventId: mark.eventId });
      const keys = this.forkKeys.get(entry);
      if (keys) keys.push({ key, index: mark.index });
      else this.forkKeys.set(entry, [{ key, index: mark.index }]);
    }
    entry.pending = pending;
    entry.approvals = approvals;
    entry.lastUsed = this.now();
    const previous = this.idle.get(entry.key);
    // The same transcript twice (two identical conversations): keep the newer.
    if (previous) this.close(previous);
    this.idle.delete(entry.key);
    this.idle.set(entry.key, entry);
    this.evictOverCap();
  }

  /** Forgets a conversation whatever its state: the client was told its answer failed, so it will not be continued. */
  drop(entry: LedgerEntry<S>): void {
    if (this.leased.has(entry)) return this.discard(entry);
    if (this.idle.get(entry.key) !== entry) return;
    this.idle.delete(entry.key);
    this.close(entry);
  }

  /**
   * A leased session was rewound in place to before the user message at
   * transcript index `index`: where it could branch at or after that
   * message is gone with it; its turn records the new branch.
   */
  rewound(entry: LedgerEntry<S>, index: number): void {
    if (!this.leased.has(entry)) return;
    const kept: Array<{ key: string; index: number }> = [];
    for (const mark of this.forkKeys.get(entry) ?? []) {
      if (mark.index < index) kept.push(mark);
      else if (this.forkPoints.get(mark.key)?.entry === entry) this.forkPoints.delete(mark.key);
    }
    this.forkKeys.set(entry, kept);
  }

  /** Takes an idle conversation's session out of the ledger without closing it (it is recycled); false when the session is not idle here. */
  withdraw(session: S): boolean {
    for (const [key, entry] of this.idle) {
      if (entry.session !== session) continue;
      this.idle.delete(key);
      this.forgetForkPoints(entry);
      return true;
    }
    return false;
  }

  /** Ends a lease that did not change the session. */
  release(entry: LedgerEntry<S>): void {
    if (!this.leased.delete(entry)) return;
    entry.lastUsed = this.now();
    this.idle.set(entry.key, entry);
    this.evictOverCap();
  }

  /** Ends a lease after an abort or an error: the session's state is not what the client holds. */
  discard(entry: LedgerEntry<S>): void {
    if (!this.leased.delete(entry)) return;
    this.close(entry);
  }

  /** Closes idle sessions unused for longer than the TTL. */
  sweep(): void {
    const oldest = this.now() - this.options.idleTtlMs;
    // Idle entries are in the order they were last used (each goes in at the
    // end, used now), so the expired ones come first: every request sweeps,
    // and at a cap of hundreds a full pass cost a new conversation ~30 µs.
    for (const [key, entry] of this.idle) {
      if (entry.lastUsed > oldest) return;
      this.idle.delete(key);
      this.close(entry, "evict");
    }
  }

  /** Every session held, idle or leased. */
  sessions(): S[] {
    return [...this.idle.values(), ...this.leased].map((entry) => entry.session);
  }

  /**
   * Forgets every conversation at once and hands back their sessions, for a
   * runtime that died with them: nothing can be continued on it, and the
   * sessions are closed once a runtime answers again.
   */
  takeAll(): S[] {
    return this.takeWhere(() => true);
  }

  /** takeAll for the conversations whose session `matches` (those on one runtime). */
  takeWhere(matches: (session: S) => boolean): S[] {
    const taken: S[] = [];
    for (const [key, entry] of this.idle) {
      if (!matches(entry.session)) continue;
      this.idle.delete(key);
      taken.push(entry.session);
    }
    for (const entry of this.leased) {
      if (!matches(entry.session)) continue;
      this.leased.delete(entry);
      taken.push(entry.session);
    }
    for (const [key, point] of this.forkPoints) if (matches(point.entry.session)) this.forkPoints.delete(key);
    for (const entry of this.forkKeys.keys()) if (matches(entry.session)) this.forkKeys.delete(entry);
    return taken;
  }

  /** Closes the idle sessions that `matches`; leased ones are left to their turns. */
  closeIdleWhere(matches: (session: S) => boolean): void {
    for (const [key, entry] of this.idle) {
      if (!matches(entry.session)) continue;
      this.idle.delete(key);
      this.close(entry);
    }
  }

  async closeAll(): Promise<void> {
    const entries = [...this.idle.values(), ...this.leased];
    this.idle.clear();
    this.leased.clear();
    this.forkPoints.clear();
    this.forkKeys.clear();
    await Promise.all(entries.map((entry) => this.options.close(entry.session)));
  }

  private evictOverCap(): void {
    // Leased sessions are running a turn and are never evicted; idle ones go least recently used first.
    for (const [key, entry] of this.idle) {
      if (this.size <= this.options.maxSessions) return;
      this.idle.delete(key);
      this.close(entry, "evict");
    }
  }

  private close(entry: LedgerEntry<S>, why: "close" | "evict" = "close"): void {
    this.forgetForkPoints(entry);
    const waits = entry.pending.length > 0 || entry.approvals.length > 0;
    void (why === "evict" && this.options.evict && !waits ? this.options.evict(entry.session) : this.options.close(entry.session));
  }

  private forgetForkPoints(entry: LedgerEntry<S>): void {
    // A key another entry has taken over since (the same transcript recorded again) stays that entry's.
    for (const { key } of this.forkKeys.get(entry) ?? []) if (this.forkPoints.get(key)?.entry === entry) this.forkPoints.delete(key);
    this.forkKeys.delete(entry);
  }
}

function indexKey(partition: string, fingerprint: string): string {
  return `${partition}\n${fingerprint}`;
}

function continuationFor<S>(entry: LedgerEntry<S>, rest: readonly DialogueMessage[]): Continuation | undefined {
  if (rest.length === 0) return undefined;
  if (entry.approvals.length > 0) return approvalsContinuation(entry.approvals, rest);
  if (entry.pending.length > 0) {
    const toolCount = rest.findIndex((message) => message.role !== "tool");
    const tools = (toolCount < 0 ? rest : rest.slice(0, toolCount)) as ToolMessage[];
    const followUp = toolCount < 0 ? [] : rest.slice(toolCount);
    if (!followUp.every((message): message is UserMessage => message.role === "user")) return undefined;
    const results = new Map(tools.map((message) => [message.toolCallId, message]));
    // Exactly one result per waiting call: a repeated id would silently lose a result.
    const covers = tools.length === entry.pending.length && results.size === entry.pending.length && entry.pending.every((call) => results.has(call.toolCallId));
    return covers ? { kind: "answer_tools", pending: entry.pending, results, followUp } : undefined;
  }
  if (!rest.every((message): message is UserMessage => message.role === "user")) return undefined;
  return { kind: "send", messages: [...rest] };
}

/** Exactly one decision per waiting approval, and nothing else. */
function approvalsContinuation(approvals: PendingApproval[], rest: readonly DialogueMessage[]): Continuation | undefined {
  if (!rest.every((message): message is ApprovalMessage => message.role === "approval")) return undefined;
  const decisions = new Map(rest.map((message) => [message.requestId, message]));
  const covers = rest.length === approvals.length && decisions.size === approvals.length && approvals.every((approval) => decisions.has(approval.id));
  return covers ? { kind: "answer_approvals", approvals, decisions } : undefined;
}
