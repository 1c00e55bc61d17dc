// Usage through an outage of the store. A record the store cannot take goes
// to the spool (written when it returns, exactly once: the record's id is its
// key in the table). The turn gate's two questions are answered from what
// this process knows when the store cannot answer: a key's requests this
// minute are counted here from the last count the store gave, and its spend
// is the last spend the store gave plus what this process recorded since
// (written or spooled) — so a remembered key keeps its last known limits,
// though turns other processes serve meanwhile are not seen. Without
// `serveFromMemory` both are the store's 503. A budget also counts the key's
// records still in the spool after the store returns, until they are written.
// The store's budget holds are wrapped the same way (outage-holds.ts).
import { isStoreUnavailable } from "../core/store-outage.js";
import type { BudgetHolds } from "./budget-holds.js";
import { OutageTolerantHolds, type KnownSpends } from "./outage-holds.js";
import type { Spend, UsageQuery, UsageRecord, UsageRow, UsageStore } from "./usage.js";

/** Where records the store did not take wait (storage/record-spool.ts). */
export interface UsageSpool {
  /** Keeps a record, to be written when the store returns. Never throws: what it cannot keep it counts and logs. */
  add(record: UsageRecord): void;
  /** What a key's records waiting in the spool spent since `from`. */
  pendingSpend(keyId: string, from: number): Spend;
}

export interface OutageUsageOptions {
  spool: UsageSpool;
  /** Answer per-minute counts and spend from memory while the store is out (with remembered keys); false: the 503. */
  serveFromMemory: boolean;
  /** A count or a spend was answered from memory. */
  onAnswered?: (what: "rate" | "budget") => void;
}

/** The last spend the store gave for a key, for the period starting at `from`, the last write it includes, and when it was read. */
interface KnownSpend {
  from: number;
  spend: Spend;
  upTo: number;
  readAt: number;
}

/** A record of a key with a budget, written since its spend was last read; `serial` orders writes. */
interface WrittenSince {
  serial: number;
  startedAt: number;
  tokens: number;
  nanoAiu: number;
}

const MINUTE_MS = 60_000;
/** A spend the store gave longer ago than this is read again when the key's next turn holds part of its budget. */
const FRESH_MS = 5_000;

export class OutageTolerantUsage implements UsageStore, KnownSpends {
  readonly holds: BudgetHolds | undefined;
  private readonly spends = new Map<string, KnownSpend>();
  private readonly written = new Map<string, WrittenSince[]>();
  /** Writes of a key's records under way: a spend read waits for them, so that it holds them. */
  private readonly writing = new Map<string, Set<Promise<unknown>>>();
  private serial = 0;
  /** `<key id>@<minute start>` → requests counted. */
  private readonly counts = new Map<string, number>();
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly store: UsageStore,
    private readonly options: OutageUsageOptions,
  ) {
    this.holds = store.holds && new OutageTolerantHolds(store.holds, this, options);
  }

  async record(record: UsageRecord): Promise<void> {
    // Only keys whose spend is read (they have a budget) need what was written since.
    const keyId = record.keyId !== null && this.spends.has(record.keyId) ? record.keyId : undefined;
    const write = this.store.record(record);
    const writes = keyId === undefined ? undefined : (this.writing.get(keyId) ?? new Set());
    if (keyId !== undefined && writes) this.writing.set(keyId, writes.add(write));
    try {
      await write;
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      this.options.spool.add(record);
      return;
    } finally {
      writes?.delete(write);
    }
    if (keyId === undefined) return;
    const since = this.written.get(keyId) ?? [];
    since.push({ serial: ++this.serial, startedAt: record.startedAt, tokens: record.inputTokens + record.outputTokens, nanoAiu: record.nanoAiu ?? 0 });
    this.written.set(keyId, since);
  }

  async spent(keyId: string, from: number): Promise<Spend> {
    await Promise.allSettled(this.writing.get(keyId) ?? []);
    // Every write finished by now is in the read; one that finishes while it runs is counted again until the next read: never too little.
    const upTo = this.serial;
    let spend: Spend;
    const readAt = Date.now();
    try {
      spend = await this.store.spent(keyId, from);
    } catch (error) {
      if (!isStoreUnavailable(error) || !this.options.serveFromMemory) throw error;
      this.options.onAnswered?.("budget");
      return this.fromMemory(keyId, from, error);
    }
    this.spends.set(keyId, { from, spend, upTo, readAt });
    this.written.set(keyId, (this.written.get(keyId) ?? []).filter((record) => record.serial > upTo));
    return plus(spend, this.spooled(keyId, from));
  }

  spooled(keyId: string, from: number): Spend {
    return this.options.spool.pendingSpend(keyId, from);
  }

  /** The store's last spend for the key, what this process wrote since, and what waits in the spool; `error` when no spend is known. */
  fromMemory(keyId: string, from: number, error: unknown): Spend {
    const known = this.spends.get(keyId);
    if (known === undefined || known.from > from) throw error;
    // A new period began during the outage: nothing of the last one counts.
    const spend = known.from === from ? { ...known.spend } : { tokens: 0, nanoAiu: 0 };
    for (const record of this.written.get(keyId) ?? []) {
      if (record.serial <= known.upTo || record.startedAt < from) continue;
      spend.tokens += record.tokens;
      spend.nanoAiu += record.nanoAiu;
    }
    return plus(spend, this.spooled(keyId, from));
  }

  keepFresh(keyId: string, from: number): void {
    const known = this.spends.get(keyId);
    if ((known && known.from === from && Date.now() - known.readAt < FRESH_MS) || this.refreshing.has(keyId)) return;
    this.refreshing.add(keyId);
    void this.spent(keyId, from)
      .catch(() => undefined)
      .finally(() => this.refreshing.delete(keyId));
  }

  async countRequest(keyId: string, windowStart: number): Promise<number> {
    const slot = `${keyId}@${windowStart}`;
    let count: number;
    try {
      count = await this.store.countRequest(keyId, windowStart);
    } catch (error) {
      if (!isStoreUnavailable(error) || !this.options.serveFromMemory) throw error;
      count = (this.counts.get(slot) ?? 0) + 1;
      this.options.onAnswered?.("rate");
    }
    this.counts.set(slot, count);
    // Minutes gone by are of no use.
    if (this.counts.size > 1_000) for (const [old] of this.counts) if (Number(old.slice(old.lastIndexOf("@") + 1)) < windowStart - MINUTE_MS) this.counts.delete(old);
    return count;
  }

  async uncountRequest(keyId: string, windowStart: number): Promise<void> {
    const slot = `${keyId}@${windowStart}`;
    const count = this.counts.get(slot);
    if (count !== undefined) this.counts.set(slot, Math.max(0, count - 1));
    if (!this.store.uncountRequest) return;
    try {
      await this.store.uncountRequest(keyId, windowStart);
    } catch (error) {
      // Counted here during the outage, taken back here.
      if (!isStoreUnavailable(error) || !this.options.serveFromMemory) throw error;
    }
  }

  report(query: UsageQuery): Promise<UsageRow[]> {
    return this.store.report(query);
  }
}

function plus(a: Spend, b: Spend): Spend {
  return { tokens: a.tokens + b.tokens, nanoAiu: a.nanoAiu + b.nanoAiu };
}
