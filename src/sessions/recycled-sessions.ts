// Sessions recycled for new conversations. Opening a session costs the
// runtime ~25 ms of CPU, rewinding one to its start ~2 ms (session-rewind.ts),
// and at c=50 the opens are the whole gap between a new conversation and a
// continuing chat. So a conversation's session that is leaving anyway (an
// idle conversation past the live-session limit, or evicted from the ledger)
// is rewound to before its first user message, off the request path, and
// handed to the next new conversation of the same partition: the same caller
// (never across keys or identities), model, system prompt and tools. The
// rewind removes that conversation from the runtime and from disk; one whose
// conversation goes on later is seeded, which costs what a resume would have.
//
// A partition keeps as many as it had new conversations running at once at
// the most within the last `demandWindowMs` (one for an agent that starts
// them one after another, fifty for fifty at once), so a configuration nobody
// starts conversations with keeps none; `max` bounds them all (at most the
// live-session limit), and one unused for `idleMs` is closed.
import type { CopilotSession } from "@github/copilot-sdk";

export interface RecycledSessionsOptions {
  /** Recycled sessions kept at most, all partitions together; 0 turns recycling off. */
  max: number;
  idleMs: number;
  demandWindowMs: number;
  /** Rewinds the session to before `eventId`; rejects when it could not. */
  rewind: (session: CopilotSession, eventId: string) => Promise<void>;
  close: (session: CopilotSession) => Promise<void>;
  /** Whether the session is on a runtime being replaced (then it is closed, not handed out). */
  isRetiring?: (sessionId: string) => boolean;
}

interface Pooled {
  readonly sessionId: string;
  /** The session once rewound, or undefined when the rewind failed (it is then closed). */
  readonly session: Promise<CopilotSession | undefined>;
  readonly at: number;
}

export class RecycledSessions {
  /** By partition, in the order they were recycled (the first handed out first: its rewind is surely done). */
  private readonly pools = new Map<string, Pooled[]>();
  /** By partition, its new conversations running now. */
  private readonly running = new Map<string, number>();
  /** By partition, the most of them that ran at once lately, and when; the least recently set first. */
  private readonly demand = new Map<string, { peak: number; at: number }>();
  private count = 0;

  constructor(private readonly options: RecycledSessionsOptions) {}

  get size(): number {
    return this.count;
  }

  /** A new conversation of `partition` started; the function returned is called once its turn is over. */
  arrive(partition: string, now = Date.now()): () => void {
    if (this.options.max <= 0) return () => {};
    const running = (this.running.get(partition) ?? 0) + 1;
    this.running.set(partition, running);
    const last = this.demand.get(partition);
    if (!last || running >= last.peak || now - last.at >= this.options.demandWindowMs) {
      // Re-inserted, so the partition asked for least recently is first when the map is trimmed.
      this.demand.delete(partition);
      this.demand.set(partition, { peak: running, at: now });
      if (this.demand.size > 10_000) this.demand.delete(this.demand.keys().next().value!);
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.running.get(partition) ?? 1) - 1;
      if (left > 0) this.running.set(partition, left);
      else this.running.delete(partition);
    };
  }

  /** Whether a session of `partition` whose conversation is leaving should be kept for the next new one. */
  wants(partition: string, now = Date.now()): boolean {
    if (this.count >= this.options.max) return false;
    const last = this.demand.get(partition);
    const demand = last && now - last.at < this.options.demandWindowMs ? last.peak : 0;
    return (this.pools.get(partition)?.length ?? 0) < demand;
  }

  /** Keeps `session` for the next new conversation of `partition`, once rewound to before `startEventId` (its first user message). */
  offer(partition: string, session: CopilotSession, startEventId: string): void {
    const rewound = this.options.rewind(session, startEventId).then(
      () => session,
      () => {
        void this.options.close(session).catch(() => undefined);
        return undefined;
      },
    );
    const pool = this.pools.get(partition) ?? [];
    pool.push({ sessionId: session.sessionId, session: rewound, at: Date.now() });
    this.pools.set(partition, pool);
    this.count++;
  }

  /** A rewound session for a new conversation of `partition`, or undefined when none is kept. */
  async take(partition: string): Promise<CopilotSession | undefined> {
    const pool = this.pools.get(partition);
    while (pool && pool.length > 0) {
      const pooled = pool.shift()!;
      this.count--;
      if (pool.length === 0) this.pools.delete(partition);
      const session = await pooled.session;
      if (!session) continue;
      if (this.options.isRetiring?.(session.sessionId)) {
        void this.options.close(session).catch(() => undefined);
        continue;
      }
      return session;
    }
    return undefined;
  }

  /** Closes recycled sessions unused for longer than the idle time, and forgets old demand. */
  sweep(now = Date.now()): void {
    this.dropWhere((pooled) => now - pooled.at >= this.options.idleMs);
    for (const [partition, last] of this.demand) if (now - last.at >= this.options.demandWindowMs && !this.running.has(partition)) this.demand.delete(partition);
  }

  /** Lets go of recycled sessions on a runtime that died or is being replaced (all of them when no ids are given). */
  release(sessionIds?: ReadonlySet<string>): void {
    this.dropWhere((pooled) => !sessionIds || sessionIds.has(pooled.sessionId));
  }

  async closeAll(): Promise<void> {
    const all = [...this.pools.values()].flat();
    this.pools.clear();
    this.count = 0;
    await Promise.all(all.map(async (pooled) => {
      const session = await pooled.session;
      if (session) await this.options.close(session).catch(() => undefined);
    }));
  }

  private dropWhere(matches: (pooled: Pooled) => boolean): void {
    for (const [partition, pool] of this.pools) {
      const kept = pool.filter((pooled) => !matches(pooled));
      for (const pooled of pool) {
        if (kept.includes(pooled)) continue;
        this.count--;
        void pooled.session.then((session) => session && this.options.close(session)).catch(() => undefined);
      }
      if (kept.length > 0) this.pools.set(partition, kept);
      else this.pools.delete(partition);
    }
  }
}
