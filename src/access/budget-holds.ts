// Budgets that hold under concurrency. Spend is recorded when a turn ends, so
// twenty turns admitted at once all saw the same spend and all ran (probed:
// a 10-token daily budget, 20 concurrent requests, 100 tokens spent). Now
// each admitted turn first holds what it is expected to spend (its prompt's
// size plus its output cap), and a turn is admitted only when the spend, the
// holds of the key's running turns and its own fit the budget. When what is
// left is less than one turn's estimate, the key's turns run one at a time
// until it is spent: a key with budget left is never refused outright, and
// a budget is overshot by at most one turn. A hold goes once the turn's
// usage is recorded; a process that dies leaves holds that expire.
import type { TurnRequest } from "../core/turn.js";

/** What a key spent (or holds) in a budget period. */
export interface Spend {
  tokens: number;
  nanoAiu: number;
}

export interface BudgetHold {
  id: string;
  keyId: string;
  tokens: number;
  nanoAiu: number;
  expiresAt: number;
}

export interface BudgetLimit {
  tokens: number | null;
  nanoAiu: number | null;
}

/**
 * reserved: the hold is in; busy: it does not fit while other turns of the
 * key run (wait and ask again); spent: the budget is used up.
 */
export type HoldOutcome = { kind: "reserved" } | { kind: "busy" } | { kind: "spent"; spent: Spend };

/** Where holds live: the database, so every gateway process sees every hold. */
export interface BudgetHolds {
  /** Decides and, when it may, takes the hold, as one step no other process interleaves with. */
  reserve(hold: BudgetHold, limit: BudgetLimit, periodStart: number, now: number): Promise<HoldOutcome>;
  release(id: string): Promise<void>;
  /** The most one recent turn of the key cost in AI credits: what a credit budget holds per turn. */
  largestRecentNanoAiu(keyId: string, since: number): Promise<number>;
}

/** Output tokens a turn is expected to produce when the request sets no cap. */
export const DEFAULT_OUTPUT_ESTIMATE = 4_096;

/** Tokens a turn may spend: its prompt (about four characters a token) and its output cap. */
export function estimatedTokens(request: Pick<TurnRequest, "messages" | "tools" | "maxOutputTokens">): number {
  let chars = 0;
  for (const message of request.messages) {
    if (message.role === "user") for (const part of message.content) chars += part.type === "text" ? part.text.length : 1_000;
    else if (message.role !== "approval") chars += message.text.length;
    if (message.role === "assistant") for (const call of message.toolCalls) chars += call.arguments.length;
  }
  for (const tool of request.tools) chars += JSON.stringify(tool).length;
  return Math.ceil(chars / 4) + (request.maxOutputTokens ?? DEFAULT_OUTPUT_ESTIMATE);
}

/** The decision, on the figures the store read under its lock. */
export function holdDecision(limit: BudgetLimit, spent: Spend, held: Spend & { count: number }, hold: Pick<BudgetHold, "tokens" | "nanoAiu">): HoldOutcome {
  const usedUp = (limit.tokens !== null && spent.tokens >= limit.tokens) || (limit.nanoAiu !== null && spent.nanoAiu >= limit.nanoAiu);
  // Spend only grows: nothing running can give it back.
  if (usedUp) return { kind: "spent", spent };
  const fits =
    (limit.tokens === null || spent.tokens + held.tokens + hold.tokens <= limit.tokens) &&
    (limit.nanoAiu === null || spent.nanoAiu + held.nanoAiu + hold.nanoAiu <= limit.nanoAiu);
  // The last of the budget: one turn at a time.
  return fits || held.count === 0 ? { kind: "reserved" } : { kind: "busy" };
}
