// Everything a turn must pass before it starts, in order: the key may use the
// model, it is within its requests per minute, its budget for the period
// holds the turn's estimate (budget-holds.ts), and there is a slot for it
// (its own parallel cap, then the gateway's).
// Counts and spend live in the database, so every gateway process on it
// enforces the same limits; parallel caps count this process's turns.
import { GatewayError } from "../core/gateway-error.js";
import type { Caller } from "./caller.js";
import { minuteAround, periodAround } from "./periods.js";
import type { TurnSlots } from "./turn-slots.js";
import { DEFAULT_OUTPUT_ESTIMATE } from "./budget-holds.js";
import type { Spend, UsageStore } from "./usage.js";
import { NANO_AIU_PER_CREDIT, type VirtualKey } from "./virtual-keys.js";

/** How long a hold lasts if its turn's process never removes it (it died). */
const HOLD_TTL_MS = 15 * 60_000;
/** How often a turn waiting for the last of a budget asks again. */
const BUSY_RECHECK_MS = 100;

/** What an admitted turn gives back: its slot at once, its budget hold once its usage is recorded. */
export interface GateAdmission {
  releaseSlot(): void;
  /** Present when the turn holds part of a budget. */
  releaseHold?(): Promise<void>;
}

export class TurnGate {
  constructor(
    private readonly slots: TurnSlots,
    private readonly usage: UsageStore | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Throws the client's error when the turn may not start. `estimatedTokens`:
   * what the turn may spend, held against a budget while it runs
   * (budget-holds.ts). A request refused at any step is not counted in its
   * key's requests per minute.
   */
  async admit(caller: Caller, model: string, signal: AbortSignal, estimatedTokens = DEFAULT_OUTPUT_ESTIMATE): Promise<GateAdmission> {
    const key = caller.key;
    const usage = this.usage;
    let counted: { keyId: string; windowStart: number } | undefined;
    let hold: string | undefined;
    try {
      if (key) {
        checkModel(key, model);
        if (usage) {
          counted = await this.countRate(key, usage);
          hold = await this.holdBudget(key, usage, estimatedTokens, signal);
        }
      }
      const releaseSlot = await this.slots.acquire(caller.id, key?.maxParallel ?? null, signal);
      const holds = usage?.holds;
      return hold && holds ? { releaseSlot, releaseHold: () => holds.release(hold!) } : { releaseSlot };
    } catch (error) {
      if (hold) void usage?.holds?.release(hold).catch(() => undefined);
      if (counted) void usage?.uncountRequest?.(counted.keyId, counted.windowStart).catch(() => undefined);
      throw error;
    }
  }

  /** Counts the request in its minute; over the key's limit, a 429 (and the count is taken back by `admit`). */
  private async countRate(key: VirtualKey, usage: UsageStore): Promise<{ keyId: string; windowStart: number } | undefined> {
    if (key.rpmLimit === null) return undefined;
    const now = this.now();
    const minute = minuteAround(now);
    const count = await usage.countRequest(key.id, minute.start);
    const counted = { keyId: key.id, windowStart: minute.start };
    if (count <= key.rpmLimit) return counted;
    if (usage.uncountRequest) await usage.uncountRequest(key.id, minute.start).catch(() => undefined);
    throw new GatewayError({
      status: 429,
      code: "rate_limit_exceeded",
      message: `Rate limit reached for this API key: ${key.rpmLimit} requests per minute. Retry after the minute ends.`,
      retryAfterSeconds: Math.max(1, (minute.end - now) / 1000),
    });
  }

  /**
   * Holds the turn's estimate against the key's budget, waiting while the
   * last of it is held by the key's other running turns; a 429 once it is
   * spent. Returns the hold's id (none without a budget).
   */
  private async holdBudget(key: VirtualKey, usage: UsageStore, estimatedTokens: number, signal: AbortSignal): Promise<string | undefined> {
    const budget = key.budget;
    if (budget === null) return undefined;
    const period = periodAround(budget.period, this.now());
    const holds = usage.holds;
    if (!holds) {
      const spent = await usage.spent(key.id, period.start);
      if (overBudget(budget, spent)) throw quotaExceeded(budget, spent, period.end);
      return undefined;
    }
    const hold = {
      id: crypto.randomUUID(),
      keyId: key.id,
      tokens: budget.tokens !== null ? estimatedTokens : 0,
      nanoAiu: budget.nanoAiu !== null ? await holds.largestRecentNanoAiu(key.id, period.start) : 0,
      expiresAt: this.now() + HOLD_TTL_MS,
    };
    for (;;) {
      const outcome = await holds.reserve(hold, { tokens: budget.tokens, nanoAiu: budget.nanoAiu }, period.start, this.now());
      if (outcome.kind === "reserved") return hold.id;
      if (outcome.kind === "spent") throw quotaExceeded(budget, outcome.spent, period.end);
      await pause(BUSY_RECHECK_MS, signal);
    }
  }
}

function overBudget(budget: NonNullable<VirtualKey["budget"]>, spent: Spend): boolean {
  return (budget.tokens !== null && spent.tokens >= budget.tokens) || (budget.nanoAiu !== null && spent.nanoAiu >= budget.nanoAiu);
}

function quotaExceeded(budget: NonNullable<VirtualKey["budget"]>, spent: Spend, periodEnd: number): GatewayError {
  const overTokens = budget.tokens !== null && spent.tokens >= budget.tokens;
  const what = overTokens
    ? `${spent.tokens} of its ${budget.tokens} tokens`
    : `${spent.nanoAiu / NANO_AIU_PER_CREDIT} of its ${budget.nanoAiu! / NANO_AIU_PER_CREDIT} AI credits`;
  const resetAt = new Date(periodEnd).toISOString();
  // No Retry-After: agents that honour it (opencode, Qwen Code) would sleep until the
  // period ends, silently. This wording ("quota exceeded … will reset at") is what
  // they recognise as final; the renewal time is also a header of its own.
  return new GatewayError({
    status: 429,
    type: "insufficient_quota",
    code: "insufficient_quota",
    message: `Quota exceeded for this API key: it has used ${what} for this ${budget.period}. It will reset at ${resetAt}.`,
    headers: { "x-gateway-quota-reset": resetAt },
    shouldRetry: false,
  });
}

/** Waits `ms`, or throws when the client leaves first. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error("the client went away"));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error("the client went away"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function checkModel(key: VirtualKey, model: string): void {
  if (key.models === null || key.models.includes(model)) return;
  throw new GatewayError({
    status: 404,
    code: "model_not_found",
    param: "model",
    message: `The model \`${model}\` does not exist or you do not have access to it. This API key may use: ${key.models.join(", ")}.`,
    shouldRetry: false,
  });
}

/** Whether a key may see a model in /v1/models. */
export function keyAllowsModel(caller: Caller, model: string): boolean {
  return caller.key?.models == null || caller.key.models.includes(model);
}
