// The access side of one turn, as the HTTP layer sees it: admitted by the gate
// before it starts, metered while it runs, recorded and its slot freed when
// its answer is over. A usage record that cannot be written is logged, never
// the client's failure.
import type { GatewayError } from "../http/errors.js";
import type { Logger } from "../http/logger.js";
import type { TurnEvent } from "../turns/events.js";
import type { TurnGate } from "./turn-gate.js";
import { TurnMeter, type MeteredTurn } from "./usage-meter.js";
import type { UsageStore } from "./usage.js";

export interface AdmittedTurn {
  watch(events: AsyncIterable<TurnEvent>): AsyncIterable<TurnEvent>;
  /** Once, when the answer is over. */
  close(ending: { cancelled: boolean; error?: GatewayError }): void;
}

export class TurnAccess {
  constructor(
    private readonly gate: TurnGate,
    private readonly usage: UsageStore | undefined,
    private readonly logger: Logger,
  ) {}

  async admit(turn: MeteredTurn, signal: AbortSignal): Promise<AdmittedTurn> {
    const release = await this.gate.admit(turn.caller, turn.model, signal);
    const meter = new TurnMeter(turn);
    let closed = false;
    return {
      watch: (events) => meter.watch(events),
      close: (ending) => {
        if (closed) return;
        closed = true;
        release();
        const record = meter.record(ending);
        this.usage?.record(record).catch((error: unknown) => {
          this.logger.warn("usage not recorded: the store failed", { id: turn.requestId, reason: error instanceof Error ? error.message : String(error) });
        });
      },
    };
  }
}
