// Replaces embedded runtimes that hold on to memory. The runtime does not give
// back what a burst of sessions took (after 500 aborted streams it held 408 MB,
// from 98), so one over the limit is replaced between turns: a fresh runtime
// takes its place for new sessions at once, the old one finishes the turns it
// is running while its idle sessions are let go (their conversations go on
// seeded on the new one), and it is stopped once it holds no session.
import type { RuntimeProcess } from "./runtime-process.js";
import type { RecycleSettings } from "./runtime-settings.js";

/** What the recycler does to the pool it watches (runtime-pool.ts). */
export interface RecyclingPool {
  serving(): readonly RuntimeProcess[];
  retiring(): readonly RuntimeProcess[];
  /** Starts a successor in `member`'s place; `member` is then retiring. */
  replace(member: RuntimeProcess): Promise<void>;
  /** Asks for the sessions still on a retiring runtime to be let go. */
  announceRetiring(member: RuntimeProcess): void;
  /** Stops a retiring runtime; `leftBehind` are sessions it still held. */
  finish(member: RuntimeProcess, leftBehind: ReadonlySet<string>): Promise<void>;
  /** Told of each replacement, for the logs. */
  recycled?(residentBytes: number): void;
}

export class RuntimeRecycler {
  private replaced = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly retiredAt = new Map<RuntimeProcess, number>();

  constructor(
    private readonly settings: RecycleSettings,
    private readonly pool: RecyclingPool,
  ) {}

  /** How many runtimes were replaced. */
  get recycled(): number {
    return this.replaced;
  }

  start(): void {
    this.stopped = false;
    this.timer ??= setInterval(() => void this.check(), this.settings.checkEveryMs ?? 30_000).unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * One look at every runtime; overlapping calls share one. Never rejects: a
   * successor that does not start leaves its runtime serving, to be tried
   * again at the next look.
   */
  check(): Promise<void> {
    this.checking ??= this.recycleAndDrain()
      .catch(() => undefined)
      .finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async recycleAndDrain(): Promise<void> {
    for (const member of [...this.pool.serving()]) {
      if (this.stopped) return;
      const resident = this.overLimit(member);
      if (resident === undefined) continue;
      await this.pool.replace(member);
      this.replaced++;
      this.retiredAt.set(member, Date.now());
      this.pool.recycled?.(resident);
    }
    for (const member of [...this.pool.retiring()]) await this.drain(member);
  }

  /** The resident memory of a runtime due for replacement; undefined when it is not. */
  private overLimit(member: RuntimeProcess): number | undefined {
    if (!member.healthy || member.ageMs < (this.settings.minAgeMs ?? 600_000)) return undefined;
    const resident = member.residentBytes();
    return resident !== undefined && resident > this.settings.maxResidentBytes ? resident : undefined;
  }

  private async drain(member: RuntimeProcess): Promise<void> {
    const held = member.sessionIds();
    const since = this.retiredAt.get(member) ?? Date.now();
    if (held.length > 0 && Date.now() - since < (this.settings.maxDrainMs ?? 600_000)) {
      this.pool.announceRetiring(member);
      return;
    }
    this.retiredAt.delete(member);
    await this.pool.finish(member, new Set(held));
  }
}
