// Watches one turn's events on their way to the client and turns them into
// its usage record: when the first event came, the runtime's usage (or the
// gateway's estimate, flagged), and how the turn ended.
import type { GatewayError } from "../core/gateway-error.js";
import type { TurnEvent, Usage } from "../core/turn.js";
import type { Caller } from "./caller.js";
import type { TurnStatus, UsageRecord } from "./usage.js";

export interface MeteredTurn {
  caller: Caller;
  /** The served model id. */
  model: string;
  dialect: string;
  requestId: string;
}

export class TurnMeter {
  private readonly startedAt: number;
  private readonly started = performance.now();
  private firstEventMs: number | null = null;
  private usage: Usage | undefined;
  private failure: GatewayError | undefined;

  constructor(
    private readonly turn: MeteredTurn,
    now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  observe(event: TurnEvent): void {
    this.firstEventMs ??= Math.round(performance.now() - this.started);
    if (event.type === "usage") this.usage = event.usage;
    else if (event.type === "error") this.failure = event.error;
  }

  /** Passes the events on, watching each. */
  async *watch(events: AsyncIterable<TurnEvent>): AsyncGenerator<TurnEvent> {
    for await (const event of events) {
      this.observe(event);
      yield event;
    }
  }

  /** The record, once the answer is over: `cancelled` when the client left or the gateway ended it first. */
  record(ending: { cancelled: boolean; error?: GatewayError }): UsageRecord {
    const failure = ending.error ?? this.failure;
    const status: TurnStatus = failure ? "error" : ending.cancelled || this.usage === undefined ? "cancelled" : "ok";
    const usage = this.usage;
    return {
      id: crypto.randomUUID(),
      startedAt: this.startedAt,
      requestId: this.turn.requestId,
      callerKind: this.turn.caller.kind,
      caller: this.turn.caller.id,
      keyId: this.turn.caller.key?.id ?? null,
      model: this.turn.model,
      dialect: this.turn.dialect,
      status,
      errorCode: failure ? (failure.code ?? `http_${failure.status}`) : null,
      ttftMs: this.firstEventMs,
      durationMs: Math.round(performance.now() - this.started),
      inputTokens: usage?.promptTokens ?? 0,
      outputTokens: usage?.completionTokens ?? 0,
      cacheReadTokens: usage?.cachedTokens ?? 0,
      cacheWriteTokens: usage?.cacheWriteTokens ?? 0,
      reasoningTokens: usage?.reasoningTokens ?? 0,
      cost: usage?.cost ?? null,
      nanoAiu: usage?.nanoAiu ?? null,
      estimated: usage?.estimated === true,
    };
  }
}
