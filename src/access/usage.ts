// Usage records: one per turn, with the runtime's exact numbers when it gave
// them, and the queries budgets and reports make. The database is behind UsageStore.
import type { BudgetHolds, Spend } from "./budget-holds.js";
import type { CallerKind } from "./caller.js";

export type TurnStatus = "ok" | "error" | "cancelled";

export interface UsageRecord {
  id: string;
  startedAt: number;
  requestId: string;
  callerKind: CallerKind;
  caller: string;
  keyId: string | null;
  /** The served model id. */
  model: string;
  dialect: string;
  status: TurnStatus;
  errorCode: string | null;
  /** Until the first event reached the client's stream (or the whole answer, buffered); null when none came. */
  ttftMs: number | null;
  durationMs: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** The runtime's billing multiplier (`assistant.usage.cost`), summed over the turn's model calls. */
  cost: number | null;
  /** The runtime's `copilotUsage.totalNanoAiu`, summed; null when it reported none (BYOK). */
  nanoAiu: number | null;
  /** The tokens are the gateway's estimate: the runtime reported none. */
  estimated: boolean;
}

export type { Spend } from "./budget-holds.js";

export const USAGE_GROUPS = ["key", "owner", "model", "dialect", "status", "error", "day", "hour"] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface UsageQuery {
  groupBy: UsageGroup[];
  /** Inclusive, milliseconds since the epoch. */
  from?: number;
  /** Exclusive. */
  to?: number;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost: number;
  credits: number;
  /** Turns whose tokens are estimates. */
  estimated_requests: number;
}

export interface UsageRow extends UsageTotals {
  /**
   * One entry per group_by field: `key` (the caller: key id, GitHub login, …), `owner`, `model`, `dialect`, `status`,
   * `error` (the turn's error code, empty when it had none), `day` (YYYY-MM-DD, UTC), `hour` (YYYY-MM-DDTHH:00:00Z).
   */
  group: Partial<Record<UsageGroup, string>>;
}

export interface UsageStore {
  record(record: UsageRecord): Promise<void>;
  /** What a key's turns have spent since `from`. */
  spent(keyId: string, from: number): Promise<Spend>;
  /** Counts one request of a key in the minute starting at `windowStart`; the count so far, this one included. */
  countRequest(keyId: string, windowStart: number): Promise<number>;
  /** Takes back a request `countRequest` counted that was not admitted after all: per-minute limits count admitted turns. */
  uncountRequest?(keyId: string, windowStart: number): Promise<void>;
  /** Budget holds of running turns (budget-holds.ts); without them budgets are checked against recorded spend only. */
  readonly holds?: BudgetHolds;
  report(query: UsageQuery): Promise<UsageRow[]>;
}
