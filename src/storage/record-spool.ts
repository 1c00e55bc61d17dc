// Records the store could not take (usage, tool-call audit) wait here until
// it can: appended to a file under the data directory (so a restart keeps
// them), bounded, and written when the store is back — each exactly once,
// since every record carries its id and the store's insert skips an id it
// has. A record the disk refuses too (it is full) is held in memory, and
// still written when the store returns; one that finds the spool full, a
// damaged line, or records held in memory when the process stops are lost:
// each is counted and logged at error, never silently dropped.
import { mkdir, open, readFile, rename, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Spend, UsageRecord } from "../access/usage.js";
import type { Logger } from "../core/logger.js";
import { isStoreUnavailable } from "../core/store-outage.js";
import { noStoreMetrics, type LostReason, type StoreMetrics } from "../observability/store-metrics.js";
import type { ToolCallRecord } from "../tools/tool-call-log.js";
import { claimSegments, segmentName, thisProcess, type ClaimedSegment } from "./spool-files.js";
import { outageReason } from "./store-errors.js";

export type SpoolEntry = { kind: "usage"; id: string; record: UsageRecord } | { kind: "tool_call"; id: string; record: ToolCallRecord };

export interface RecordSpoolOptions {
  /** `<data dir>/spool`. */
  dir: string;
  /** Bytes of spooled records at most; a record beyond it is lost. */
  maxBytes: number;
  /** Writes records to the store; a record it has already is skipped, not an error. */
  write: (entries: SpoolEntry[]) => Promise<void>;
  /** Whether the store answers now: nothing is tried on it while it does not. */
  storeAvailable: () => boolean;
  logger: Logger;
  metrics?: StoreMetrics;
  /** How long one segment file is appended to before it is sealed (default 5 s), and how often the spool tries the store (default 5 s). */
  segmentMs?: number;
  retryMs?: number;
}

interface OpenSegment {
  handle: FileHandle;
  path: string;
  bytes: number;
  timer: ReturnType<typeof setTimeout>;
}

const BATCH = 200;

export class RecordSpool {
  private readonly owner = thisProcess();
  private readonly metrics: StoreMetrics;
  private serial = 0;
  private current: OpenSegment | undefined;
  /** Appends and seals, one after another. */
  private chain: Promise<void> = Promise.resolve();
  private queue: SpoolEntry[] = [];
  /** Records the disk refused: written to the store from here. */
  private memory: SpoolEntry[] = [];
  /** Every record this process holds until the store has it, by id: the usage ones with what they spent. */
  private readonly pending = new Map<string, SpoolEntry>();
  /** Segments this process has claimed, with their records as read once. */
  private readonly claimed = new Map<string, SpoolEntry[]>();
  private bytes = 0;
  private flushing: Promise<void> | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: RecordSpoolOptions) {
    this.metrics = options.metrics ?? noStoreMetrics;
  }

  /** Takes over the segments of processes that are gone (and this one's own, from before a restart), and starts trying the store. */
  async start(): Promise<void> {
    await this.adopt().catch((error: unknown) => this.options.logger.error("the usage spool could not be read", { reason: outageReason(error) }));
    if (this.pending.size > 0) this.options.logger.warn("records spooled before a restart wait to be written", { records: this.pending.size });
    this.ticker = setInterval(() => void this.flush(), this.options.retryMs ?? 5_000);
    this.ticker.unref?.();
    void this.flush();
  }

  /** Records waiting for the store. */
  get size(): number {
    return this.pending.size;
  }

  /** What a key's spooled usage records spent since `from`: the budget counts them before the store has them. */
  pendingSpend(keyId: string, from: number): Spend {
    const spend = { tokens: 0, nanoAiu: 0 };
    for (const entry of this.pending.values()) {
      if (entry.kind !== "usage" || entry.record.keyId !== keyId || entry.record.startedAt < from) continue;
      spend.tokens += entry.record.inputTokens + entry.record.outputTokens;
      spend.nanoAiu += entry.record.nanoAiu ?? 0;
    }
    return spend;
  }

  /** Keeps a record the store did not take. Never throws: what cannot be kept is counted and logged. */
  add(entry: SpoolEntry): void {
    if (this.pending.has(entry.id)) return;
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (this.bytes + size > this.options.maxBytes) {
      this.lost([entry], "spool_full", `the spool holds ${this.bytes} bytes, its limit`);
      return;
    }
    this.bytes += size;
    this.pending.set(entry.id, entry);
    this.queue.push(entry);
    if (this.queue.length === 1) this.chain = this.chain.then(() => this.append());
  }

  /** Writes what waits to the store (when it answers); one flush at a time. */
  flush(): Promise<void> {
    if (!this.options.storeAvailable()) return Promise.resolve();
    this.flushing ??= this.writeAll()
      .catch((error: unknown) => {
        if (!isStoreUnavailable(error)) this.options.logger.error("spooled records could not be written", { reason: outageReason(error) });
      })
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /**
   * Stops: tries the store for up to `flushWithinMs` when it answers, seals
   * the segment, and puts records held in memory on disk if it now can; any
   * it cannot are lost, and said so.
   */
  async close(flushWithinMs = 2_000): Promise<void> {
    clearInterval(this.ticker);
    // A flush still running after that is cut short when the database closes; what it did not write stays in its segment.
    if (this.pending.size > 0) await Promise.race([this.flush(), new Promise((resolve) => setTimeout(resolve, flushWithinMs).unref())]);
    await (this.chain = this.chain.then(() => this.seal()));
    if (this.memory.length > 0) {
      const held = this.memory;
      this.memory = [];
      this.queue.push(...held);
      await (this.chain = this.chain.then(() => this.append()).then(() => this.seal()));
      if (this.memory.length > 0) this.lost(this.memory.splice(0), "stopped", "the disk refused them and the process stopped before the database returned");
    }
    if (this.pending.size > 0) this.options.logger.warn("records stay spooled until a gateway on this data directory writes them", { records: this.pending.size, dir: this.options.dir });
  }

  private async append(): Promise<void> {
    const entries = this.queue;
    this.queue = [];
    if (entries.length === 0) return;
    const text = entries.map((entry) => `${JSON.stringify(entry)}\n`).join("");
    let segment: OpenSegment | undefined;
    try {
      segment = await this.openSegment();
      await segment.handle.write(text);
      await segment.handle.datasync();
      segment.bytes += Buffer.byteLength(text);
      for (const entry of entries) this.metrics.recordSpooled(entry.kind, "disk");
    } catch (error) {
      // A write cut short would leave half a line: cut the file back to its last whole one.
      await segment?.handle.truncate(segment.bytes).catch(() => undefined);
      this.memory.push(...entries);
      for (const entry of entries) this.metrics.recordSpooled(entry.kind, "memory");
      this.options.logger.error("records not spooled to disk: held in memory until the database returns, lost if the process stops first", { records: entries.length, reason: outageReason(error) });
    }
  }

  private async openSegment(): Promise<OpenSegment> {
    if (this.current) return this.current;
    await mkdir(this.options.dir, { recursive: true });
    const path = join(this.options.dir, segmentName(this.owner, ++this.serial, "open"));
    const handle = await open(path, "a");
    // Sealed within seconds, so that a segment left open longer is known to be abandoned.
    const timer = setTimeout(() => void (this.chain = this.chain.then(() => this.seal())), this.options.segmentMs ?? 5_000);
    timer.unref?.();
    this.current = { handle, path, bytes: 0, timer };
    return this.current;
  }

  private async seal(): Promise<void> {
    const segment = this.current;
    if (!segment) return;
    this.current = undefined;
    clearTimeout(segment.timer);
    await segment.handle.close().catch(() => undefined);
    if (segment.bytes === 0) await unlink(segment.path).catch(() => undefined);
    else await rename(segment.path, segment.path.replace(/\.open$/, ".jsonl")).catch(() => undefined);
  }

  /** Segments of processes that are gone become this one's: counted, and written with its own. */
  private async adopt(): Promise<Array<{ segment: ClaimedSegment; entries: SpoolEntry[] }>> {
    const adopted = [];
    for (const segment of await claimSegments(this.options.dir, this.owner, Date.now())) {
      let entries = this.claimed.get(segment.path);
      if (entries === undefined) {
        entries = await this.read(segment);
        this.claimed.set(segment.path, entries);
        for (const entry of entries) {
          if (this.pending.has(entry.id)) continue;
          this.pending.set(entry.id, entry);
          this.bytes += Buffer.byteLength(JSON.stringify(entry)) + 1;
        }
      }
      adopted.push({ segment, entries });
    }
    return adopted;
  }

  private async writeAll(): Promise<void> {
    await (this.chain = this.chain.then(() => this.seal()));
    // A directory that cannot be read (the disk failing) holds nothing to write; records held in memory still are.
    const segments = await this.adopt().catch((error: unknown) => {
      this.options.logger.error("the spool's directory cannot be read", { reason: outageReason(error) });
      return [];
    });
    for (const { segment, entries } of segments) {
      await this.writeEntries(entries);
      await unlink(segment.path);
      this.claimed.delete(segment.path);
    }
    while (this.memory.length > 0) {
      const batch = this.memory.slice(0, BATCH);
      await this.writeEntries(batch);
      this.memory.splice(0, batch.length);
    }
  }

  /** Reads a segment's records; a line that does not parse (the process died mid-write) is lost, and said so. */
  private async read(segment: ClaimedSegment): Promise<SpoolEntry[]> {
    const entries: SpoolEntry[] = [];
    for (const line of (await readFile(segment.path, "utf8")).split("\n")) {
      if (line === "") continue;
      const entry = parseEntry(line);
      if (entry) entries.push(entry);
      else this.lost([], "damaged", `a damaged line in ${segment.path}`, line.startsWith('{"kind":"tool_call"') ? "tool_call" : "usage");
    }
    return entries;
  }

  private async writeEntries(entries: SpoolEntry[]): Promise<void> {
    for (let start = 0; start < entries.length; start += BATCH) {
      const batch = entries.slice(start, start + BATCH);
      await this.options.write(batch).catch(async (error: unknown) => {
        if (isStoreUnavailable(error)) throw error;
        // A batch the store refuses for something in it: one at a time, and what it still refuses is lost.
        for (const entry of batch) {
          await this.options.write([entry]).catch((single: unknown) => {
            if (isStoreUnavailable(single)) throw single;
            this.lost([entry], "damaged", `the database refused it: ${outageReason(single)}`);
          });
        }
      });
      for (const entry of batch) this.done(entry);
      for (const kind of ["usage", "tool_call"] as const) {
        const written = batch.filter((entry) => entry.kind === kind).length;
        if (written > 0) this.metrics.spoolWritten(kind, written);
      }
    }
  }

  private done(entry: SpoolEntry): void {
    if (!this.pending.delete(entry.id)) return;
    this.bytes = Math.max(0, this.bytes - Buffer.byteLength(JSON.stringify(entry)) - 1);
  }

  private lost(entries: SpoolEntry[], reason: LostReason, why: string, kind: SpoolEntry["kind"] = entries[0]?.kind ?? "usage"): void {
    for (const entry of entries) this.done(entry);
    const count = Math.max(1, entries.length);
    this.metrics.recordsLost(kind, reason, count);
    this.options.logger.error(kind === "usage" ? "usage records lost" : "tool-call records lost", { records: count, reason, why, ...(entries[0] ? { id: entries[0].record.requestId } : {}) });
  }
}

function parseEntry(line: string): SpoolEntry | undefined {
  try {
    const entry = JSON.parse(line) as Partial<SpoolEntry>;
    if ((entry.kind === "usage" || entry.kind === "tool_call") && typeof entry.id === "string" && typeof entry.record === "object" && entry.record !== null) return entry as SpoolEntry;
  } catch {
    // Not JSON: half a line.
  }
  return undefined;
}
