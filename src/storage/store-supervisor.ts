// The store watched like the runtime is: the first failure that means an
// outage (store-errors.ts) marks it out, and from then on every use of it is
// refused at once — no request waits on a dead connection — while a probe
// tries it every second. The probe is what brings it back: the migrations if
// the process started without them, a read, and on SQLite a write that
// reaches the disk (a full disk still reads). When it answers, the store is
// in use again and whoever waits for that (the spool) is told.
import type { Logger } from "../core/logger.js";
import { storeUnavailable, type StoreStatus } from "../core/store-outage.js";
import { noStoreMetrics, type StoreMetrics } from "../observability/store-metrics.js";
import { isOutageError, outageReason } from "./store-errors.js";

export interface StoreSupervisorOptions {
  kind: "sqlite" | "postgres";
  /** Succeeds only when the store can be used again. */
  probe: () => Promise<void>;
  logger: Logger;
  metrics?: StoreMetrics;
  /** Between probes while the store is out (default 1 s). */
  probeIntervalMs?: number;
  now?: () => number;
}

export const DEFAULT_PROBE_INTERVAL_MS = 1_000;

export class StoreSupervisor implements StoreStatus {
  readonly kind: string;
  private since: number | undefined;
  private reason: string | undefined;
  private probing = false;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly backListeners: Array<() => void> = [];
  private readonly metrics: StoreMetrics;
  private readonly now: () => number;
  private spooled: () => number = () => 0;

  constructor(private readonly options: StoreSupervisorOptions) {
    this.kind = options.kind;
    this.metrics = options.metrics ?? noStoreMetrics;
    this.now = options.now ?? Date.now;
  }

  outageSince(): number | undefined {
    return this.since;
  }

  outageReason(): string | undefined {
    return this.reason;
  }

  spooledRecords(): number {
    return this.spooled();
  }

  /** Where the spool's count comes from. */
  countSpooledBy(count: () => number): void {
    this.spooled = count;
  }

  /** Told each time the store is back after an outage. */
  onBack(listener: () => void): void {
    this.backListeners.push(listener);
  }

  /** Before each use of the store: refused at once while it is out, unless the probe is trying it. */
  admit(): void {
    if (this.since !== undefined && !this.probing) {
      this.metrics.storeFailure();
      throw storeUnavailable();
    }
  }

  /** A use of the store failed: what to throw instead — the client's 503 when the failure means an outage, else the failure itself. */
  failed(error: unknown): unknown {
    if (!isOutageError(error)) return error;
    if (!this.probing) this.metrics.storeFailure();
    this.markOut(error);
    return storeUnavailable();
  }

  /** The store is out (a start without it goes through here too). */
  markOut(error: unknown): void {
    this.reason = outageReason(error);
    if (this.since !== undefined || this.stopped) return;
    this.since = this.now();
    this.options.logger.warn("the database is unavailable: serving what can be served without it, spooling usage records", { database: this.kind, reason: this.reason });
    this.metrics.storeAvailability(false);
    this.scheduleProbe(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private scheduleProbe(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.probe(), delayMs);
    this.timer.unref?.();
  }

  private async probe(): Promise<void> {
    this.probing = true;
    try {
      await this.options.probe();
    } catch (error) {
      this.reason = outageReason(error);
      this.scheduleProbe(this.options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS);
      return;
    } finally {
      this.probing = false;
    }
    if (this.since === undefined || this.stopped) return;
    const outageMs = this.now() - this.since;
    this.since = undefined;
    this.reason = undefined;
    this.options.logger.info("the database is available again", { database: this.kind, outage_ms: outageMs });
    this.metrics.storeAvailability(true);
    for (const listener of this.backListeners) listener();
  }
}
