// Replaces embedded runtimes that hold on to memory. The runtime does not give
// back what a burst of sessions took (after 500 aborted streams it held 408 MB,
// from 98), and keeps part of every turn it served (memory-growth.ts), so one
// over the limit, or growing faster than its sessions explain, is replaced
// between turns: a fresh runtime takes its place for new sessions at once, the
// old one finishes the turns it is running while its idle sessions are let go
// (their conversations go on seeded on the new one), and it is stopped once it
// holds no session.
import { MemoryGrowth } from "./memory-growth.js";
import type { RecycleCause } from "./runtime.js";
import type { RuntimeProcess } from "./runtime-process.js";
import type { RecycleSettings } from "./runtime-settings.js";

/** What the recycler reads of a runtime. */
export type RecyclableRuntime = Pick<RuntimeProcess, "healthy" | "ageMs" | "residentBytes" | "sessionIds" | "openingNow" | "sessionsOpened" | "liveLoad" | "restarts">;

/** What the recycler does to the pool it watches (runtime-pool.ts). */
export interface RecyclingPool<M extends RecyclableRuntime = RuntimeProcess> {
  serving(): readonly M[];
  retiring(): readonly M[];
  /** Starts a successor in `member`'s place; `member` is then retiring. */
  replace(member: M): Promise<void>;
  /** Asks for the sessions still on a retiring runtime to be let go. */
  announceRetiring(member: M): void;
  /** Stops a retiring runtime; `leftBehind` are sessions it still held. */
  finish(member: M, leftBehind: ReadonlySet<string>): Promise<void>;
  /** Told of each replacement, for the logs. */
  recycled?(residentBytes: number, cause: RecycleCause): void;
}

/** Sessions a runtime opens before its growth is judged, by default. */
const DEFAULT_GROWTH_WINDOW_SESSIONS = 1_000;

export class RuntimeRecycler<M extends RecyclableRuntime = RuntimeProcess> {
  private replaced = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly retiredAt = new Map<M, number>();
  /** Each serving runtime's growth so far, measured afresh after it restarted. */
  private readonly growth = new WeakMap<M, { restarts: number; measure: MemoryGrowth }>();

  constructor(
    private readonly settings: RecycleSettings,
    private readonly pool: RecyclingPool<M>,
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
      const due = this.dueForReplacement(member);
      if (!due) continue;
      await this.pool.replace(member);
      this.replaced++;
      this.retiredAt.set(member, Date.now());
      this.growth.delete(member);
      this.pool.recycled?.(due.resident, due.cause);
    }
    for (const member of [...this.pool.retiring()]) await this.drain(member);
  }

  /** A runtime due for replacement: its resident memory and why; undefined when it is not. */
  private dueForReplacement(member: M): { resident: number; cause: RecycleCause } | undefined {
    if (!member.healthy) return undefined;
    const resident = member.residentBytes();
    if (resident === undefined) return undefined;
    // Measured from the start, young or not: a runtime's first sessions are part of what it grew by.
    const growth = this.growthOf(member, resident);
    if (member.ageMs < (this.settings.minAgeMs ?? 600_000)) return undefined;
    if (resident > this.settings.maxResidentBytes) return { resident, cause: { kind: "size" } };
    const maxGrowth = this.settings.maxGrowthBytesPer1000Sessions;
    if (maxGrowth !== undefined && growth !== undefined && growth > maxGrowth) return { resident, cause: { kind: "growth", bytesPer1000Sessions: growth } };
    return undefined;
  }

  /** The runtime's growth per 1,000 sessions (memory-growth.ts), when there is a measure and it is watched for. */
  private growthOf(member: M, resident: number): number | undefined {
    if (this.settings.maxGrowthBytesPer1000Sessions === undefined) return undefined;
    let watched = this.growth.get(member);
    if (!watched || watched.restarts !== member.restarts) {
      watched = { restarts: member.restarts, measure: new MemoryGrowth(this.settings.growthWindowSessions ?? DEFAULT_GROWTH_WINDOW_SESSIONS) };
      this.growth.set(member, watched);
    }
    return watched.measure.observe({ sessionsOpened: member.sessionsOpened, residentBytes: resident, liveSessions: member.liveLoad });
  }

  private async drain(member: M): Promise<void> {
    const held = member.sessionIds();
    const since = this.retiredAt.get(member) ?? Date.now();
    // A session still being opened on it (a request, or a warm session, that chose it before it was replaced) is not held yet, but would fail if it were stopped now.
    if ((held.length > 0 || member.openingNow > 0) && Date.now() - since < (this.settings.maxDrainMs ?? 600_000)) {
      this.pool.announceRetiring(member);
      return;
    }
    this.retiredAt.delete(member);
    await this.pool.finish(member, new Set(held));
  }
}
