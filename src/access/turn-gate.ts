// Everything a turn must pass before it starts, in order: the key may use the
// model, it is within its requests per minute and its budget for the period,
// and there is a slot for it (its own parallel cap, then the gateway's).
// Counts and spend live in the database, so every gateway process on it
// enforces the same limits; parallel caps count this process's turns.
import { GatewayError } from "../core/gateway-error.js";
import type { Caller } from "./caller.js";
import { minuteAround, periodAround } from "./periods.js";
import type { TurnSlots } from "./turn-slots.js";
import type { UsageStore } from "./usage.js";
import { NANO_AIU_PER_CREDIT, type VirtualKey } from "./virtual-keys.js";

export class TurnGate {
  constructor(
    private readonly slots: TurnSlots,
    private readonly usage: UsageStore | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws the client's error when the turn may not start; otherwise the slot's release, to call exactly once. */
  async admit(caller: Caller, model: string, signal: AbortSignal): Promise<() => void> {
    const key = caller.key;
    if (key) {
      checkModel(key, model);
      if (this.usage) {
        await this.checkRate(key, this.usage);
        await this.checkBudget(key, this.usage);
      }
    }
    return this.slots.acquire(caller.id, key?.maxParallel ?? null, signal);
  }

  private async checkRate(key: VirtualKey, usage: UsageStore): Promise<void> {
    if (key.rpmLimit === null) return;
    const now = this.now();
    const minute = minuteAround(now);
    const count = await usage.countRequest(key.id, minute.start);
    if (count <= key.rpmLimit) return;
    throw new GatewayError({
      status: 429,
      code: "rate_limit_exceeded",
      message: `Rate limit reached for this API key: ${key.rpmLimit} requests per minute. Retry after the minute ends.`,
      retryAfterSeconds: Math.max(1, (minute.end - now) / 1000),
    });
  }

  private async checkBudget(key: VirtualKey, usage: UsageStore): Promise<void> {
    const budget = key.budget;
    if (budget === null) return;
    const now = this.now();
    const period = periodAround(budget.period, now);
    const spent = await usage.spent(key.id, period.start);
    const overTokens = budget.tokens !== null && spent.tokens >= budget.tokens;
    const overCredits = budget.nanoAiu !== null && spent.nanoAiu >= budget.nanoAiu;
    if (!overTokens && !overCredits) return;
    const what = overTokens
      ? `${spent.tokens} of its ${budget.tokens} tokens`
      : `${spent.nanoAiu / NANO_AIU_PER_CREDIT} of its ${budget.nanoAiu! / NANO_AIU_PER_CREDIT} AI credits`;
    const resetAt = new Date(period.end).toISOString();
    // No Retry-After: agents that honour it (opencode, Qwen Code) would sleep until the
    // period ends, silently. This wording ("quota exceeded … will reset at") is what
    // they recognise as final; the renewal time is also a header of its own.
    throw new GatewayError({
      status: 429,
      type: "insufficient_quota",
      code: "insufficient_quota",
      message: `Quota exceeded for this API key: it has used ${what} for this ${budget.period}. It will reset at ${resetAt}.`,
      headers: { "x-gateway-quota-reset": resetAt },
      shouldRetry: false,
    });
  }
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
