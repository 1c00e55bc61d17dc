// How fast an embedded runtime's memory grows with the work it does, for the
// recycler (runtime-recycler.ts). The runtime keeps part of every turn it
// served after the session is deleted (SDK 1.0.14, runtime 1.0.85: its live
// allocations rose by ~0.17 MB per one-turn conversation, linearly, with no
// session left in it), so its memory rises with no end below any fixed limit.
//
// Growth is counted per session opened, not per hour: the leak comes with
// work, so a quiet hour says nothing and a busy one is not a leak by itself.
// And only growth that no more live sessions explain (an idle live session
// holds ~60 MB, a suspended one gives its share back to be reused): a measure starts only once
// the runtime has carried as many live sessions as it carries now, so
// filling up to the session caps, conversations coming back (resumed), or a
// burst above the caps are never taken for a leak. Nor is a fresh runtime's
// warm-up (~125 MB over its first 50 sessions with one live, its pools and
// arenas filling): no measure starts in its first window of sessions.

/** One look at a runtime. */
export interface GrowthSample {
  /** Sessions it opened so far (runtime-process.ts `sessionsOpened`). */
  sessionsOpened: number;
  residentBytes: number;
  /** Sessions live in it, and being opened, now (runtime-process.ts `liveLoad`). */
  liveSessions: number;
}

interface Point {
  opened: number;
  resident: number;
}

export class MemoryGrowth {
  /** Looks after which sessions had been opened since the one before, oldest first; a window's worth and one more. */
  private points: Point[] = [];
  /** The most live sessions seen, and the sessions opened when it was first seen. */
  private peak = { live: 0, setAt: -1 };
  /** Sessions opened at the first look: the warm-up is the window after it. */
  private firstOpened: number | undefined;

  /** `windowSessions`: how many sessions a measure spans at least. */
  constructor(private readonly windowSessions: number) {}

  /**
   * Takes one look. Returns the growth, in bytes per 1,000 sessions, over the
   * last `windowSessions` sessions opened or a little more; undefined until
   * that many were opened since its first window and since it last carried
   * more live sessions than ever before. May be negative.
   */
  observe(sample: GrowthSample): number | undefined {
    const now: Point = { opened: sample.sessionsOpened, resident: sample.residentBytes };
    const last = this.points.at(-1);
    if (last && now.opened < last.opened) this.restart();
    this.firstOpened ??= now.opened;
    if (sample.liveSessions > this.peak.live) this.peak = { live: sample.liveSessions, setAt: now.opened };
    // A look with no session opened since the last adds nothing to measure by (and keeps the points a window's worth).
    if (!last || now.opened > last.opened) this.points.push(now);
    const base = this.baseFor(now);
    // Memory the live sessions of a new peak took, or are still taking, is theirs: measure from after it.
    if (!base || base.opened <= this.peak.setAt || base.opened < this.firstOpened + this.windowSessions) return undefined;
    return ((now.resident - base.resident) * 1000) / (now.opened - base.opened);
  }

  private restart(): void {
    this.points = [];
    this.peak = { live: 0, setAt: -1 };
    this.firstOpened = undefined;
  }

  /** The latest look at least a window of sessions before `now`; older ones are let go. */
  private baseFor(now: Point): Point | undefined {
    let at = -1;
    for (let index = this.points.length - 1; index >= 0; index--) {
      if (now.opened - this.points[index]!.opened >= this.windowSessions) {
        at = index;
        break;
      }
    }
    if (at < 0) return undefined;
    if (at > 0) this.points = this.points.slice(at);
    return this.points[0];
  }
}
