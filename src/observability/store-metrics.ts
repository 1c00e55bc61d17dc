// What the gateway counts about its store: whether it answers, outages, what
// was served without it, and the records spooled while it was out, written
// when it came back, or lost. The storage layer reports through this port;
// prometheus.ts implements it. Web-standard only.
import type { StoreStatus } from "../core/store-outage.js";

export type SpooledKind = "usage" | "tool_call";

/** What was served from memory while the store was out: a key, a per-minute count, a budget's spend. */
export type StoreFallback = "key" | "rate" | "budget";

/** Why records were lost: the spool was full, a spool file was damaged, or the process stopped holding records it could not put on disk. */
export type LostReason = "spool_full" | "damaged" | "stopped";

export interface StoreMetrics {
  /** The store went out (false) or came back (true). */
  storeAvailability(available: boolean): void;
  /** An operation the store failed, or that was refused at once because the store was out. */
  storeFailure(): void;
  storeFallback(what: StoreFallback): void;
  /** One record that could not be written was spooled: on disk, or only in memory when the disk refused it too. */
  recordSpooled(kind: SpooledKind, where: "disk" | "memory"): void;
  spoolWritten(kind: SpooledKind, count: number): void;
  recordsLost(kind: SpooledKind, reason: LostReason, count: number): void;
  /** Read when scraped: whether the store answers, and the records waiting in the spool. */
  watchStore(status: StoreStatus): void;
}

export const noStoreMetrics: StoreMetrics = {
  storeAvailability: () => {},
  storeFailure: () => {},
  storeFallback: () => {},
  recordSpooled: () => {},
  spoolWritten: () => {},
  recordsLost: () => {},
  watchStore: () => {},
};
