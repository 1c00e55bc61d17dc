// A turn's admission and its accounting: admitted by the gate before it
// starts, metered while it runs; when its answer is over, its slot freed, its
// usage recorded, its one log line written, and whoever listens for finished
// turns (the metrics) told. Each server-side tool call the turn's runtime ran
// becomes an audit record, written and told the same way. A record that cannot
// be written is logged, never the client's failure.
import type { GatewayError } from "../core/gateway-error.js";
import type { Logger } from "../core/logger.js";
import type { TurnEvent } from "../core/turn.js";
import type { TurnGate } from "../access/turn-gate.js";
import { TurnMeter, type MeteredTurn } from "../access/usage-meter.js";
import type { UsageRecord, UsageStore } from "../access/usage.js";
import type { ToolCallRecord, ToolCallStore } from "../tools/tool-call-log.js";
import type { ServerToolCall } from "../turns/server-tool-audit.js";

export interface AdmittedTurn {
  watch(events: AsyncIterable<TurnEvent>): AsyncIterable<TurnEvent>;
  /** Where the turn's session came from (continued, rewound, new, recycled, warm, seeded, flattened), once it has one. */
  started(origin: string): void;
  /** Once, when the answer is over. */
  close(ending: { cancelled: boolean; error?: GatewayError }): void;
  /** A server-side tool call the turn's runtime ran: audited. */
  toolCall(call: ServerToolCall): void;
}

/** Where server-side tool calls are audited, and whether their arguments are kept (they may hold what a person typed). */
export interface ToolCallAudit {
  store?: ToolCallStore;
  keepArguments: boolean;
}

/** What the request log line says besides the usage record. */
export interface AdmissionRequest extends MeteredTurn {
  method: string;
  path: string;
  /** What the turn may spend, held against its key's budget while it runs (access/budget-holds.ts). */
  estimatedTokens?: number;
}

/** Codes of failures that came from the model provider (a 429 here is the provider's: the gate's own come before admission). */
const UPSTREAM_CODES = new Set(["upstream_error", "upstream_bad_request", "upstream_unauthorized", "upstream_timeout", "upstream_stalled", "upstream_incomplete", "rate_limit_exceeded", "context_length_exceeded"]);

/** Told of every turn once its answer is over; `upstreamStatus` is the model provider's failure status, if that is how it ended. */
export type TurnFinishedListener = (record: UsageRecord, origin: string | undefined, upstreamStatus: number | undefined) => void;

/** Told of every server-side tool call once it ended. */
export type ToolCallFinishedListener = (record: ToolCallRecord) => void;

export class TurnAdmission {
  private readonly finishedListeners: TurnFinishedListener[] = [];
  private readonly toolCallListeners: ToolCallFinishedListener[] = [];

  constructor(
    private readonly gate: TurnGate,
    private readonly usage: UsageStore | undefined,
    private readonly logger: Logger,
    private readonly runtime = "",
    private readonly audit: ToolCallAudit = { keepArguments: false },
  ) {}

  onTurnFinished(listener: TurnFinishedListener): void {
    this.finishedListeners.push(listener);
  }

  onToolCallFinished(listener: ToolCallFinishedListener): void {
    this.toolCallListeners.push(listener);
  }

  async admit(turn: AdmissionRequest, signal: AbortSignal): Promise<AdmittedTurn> {
    const admitted = await this.gate.admit(turn.caller, turn.model, signal, turn.estimatedTokens);
    const meter = new TurnMeter(turn);
    let origin: string | undefined;
    let closed = false;
    return {
      watch: (events) => meter.watch(events),
      started: (sessionOrigin) => (origin = sessionOrigin),
      close: (ending) => {
        if (closed) return;
        closed = true;
        admitted.releaseSlot();
        const record = meter.record(ending);
        const failure = ending.error;
        const upstreamStatus = failure && UPSTREAM_CODES.has(failure.code ?? "") ? failure.status : undefined;
        for (const listener of this.finishedListeners) listener(record, origin, upstreamStatus);
        this.logLine(turn, record, origin, ending);
        const recorded = this.usage?.record(record).catch((error: unknown) => {
          this.logger.warn("usage not recorded: the store failed", { id: turn.requestId, reason: error instanceof Error ? error.message : String(error) });
        });
        // The hold goes only once the spend it stood for is recorded: never a moment when a concurrent turn sees neither.
        if (admitted.releaseHold) {
          const releaseHold = admitted.releaseHold;
          void Promise.resolve(recorded)
            .then(() => releaseHold())
            .catch((error: unknown) => this.logger.warn("a budget hold was not removed (it expires)", { id: turn.requestId, reason: error instanceof Error ? error.message : String(error) }));
        }
      },
      toolCall: (call) => this.toolCallFinished(turn, call),
    };
  }

  private toolCallFinished(turn: AdmissionRequest, call: ServerToolCall): void {
    const record: ToolCallRecord = {
      at: call.startedAt,
      requestId: turn.requestId,
      caller: turn.caller.id,
      keyId: turn.caller.key?.id ?? null,
      model: turn.model,
      server: call.server,
      tool: call.tool,
      durationMs: call.durationMs,
      outcome: call.outcome,
      argumentsBytes: call.argumentsBytes,
      resultBytes: call.resultBytes,
      arguments: this.audit.keepArguments ? call.argumentsText : null,
    };
    for (const listener of this.toolCallListeners) listener(record);
    this.audit.store?.record(record).catch((error: unknown) => {
      this.logger.warn("tool call not recorded: the store failed", { id: turn.requestId, reason: error instanceof Error ? error.message : String(error) });
    });
  }

  /** The request's one log line, written when its answer is over (a stream's last byte), so it can say how the turn went. */
  private logLine(turn: AdmissionRequest, record: UsageRecord, origin: string | undefined, ending: { cancelled: boolean; error?: GatewayError }): void {
    this.logger.info("request", {
      id: turn.requestId,
      method: turn.method,
      path: turn.path,
      status: ending.error?.status ?? 200,
      dialect: record.dialect,
      model: record.model,
      caller: record.caller,
      outcome: record.status,
      ...(record.errorCode ? { error_code: record.errorCode } : {}),
      origin: origin ?? null,
      ttft_ms: record.ttftMs,
      ms: record.durationMs,
      input_tokens: record.inputTokens,
      output_tokens: record.outputTokens,
      ...(record.nanoAiu !== null ? { nano_aiu: record.nanoAiu } : {}),
      ...(record.estimated ? { estimated: true } : {}),
      runtime: this.runtime,
    });
  }
}
