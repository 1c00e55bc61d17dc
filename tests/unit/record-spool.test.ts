// The spool on a real directory, with a store that is a map of records by
// id (its insert skips an id it has, as the real tables do) and that can be
// made to fail: records wait on disk while the store is out, survive the
// spool being closed and reopened (a restart) or its process dying, are
// written once each when it returns, and what cannot be kept is counted.
import { mkdir, mkdtemp, readdir, rename, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { UsageRecord } from "../../src/access/usage.js";
import { silentLogger } from "../../src/core/logger.js";
import { storeUnavailable } from "../../src/core/store-outage.js";
import type { LostReason, SpooledKind, StoreMetrics } from "../../src/observability/store-metrics.js";
import { RecordSpool, type SpoolEntry } from "../../src/storage/record-spool.js";
import { segmentName, thisProcess } from "../../src/storage/spool-files.js";

function usage(id: string, keyId: string | null = "key_a", tokens = 10): SpoolEntry {
  const record: UsageRecord = {
    id, startedAt: 1_000, requestId: `req-${id}`, callerKind: "key", caller: keyId ?? "anonymous", keyId, model: "m", dialect: "chat_completions",
    status: "ok", errorCode: null, ttftMs: 5, durationMs: 9, inputTokens: tokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0,
    reasoningTokens: 0, cost: null, nanoAiu: null, estimated: false,
  };
  return { kind: "usage", id, record };
}

class FakeStore {
  readonly rows = new Map<string, SpoolEntry>();
  inserts = 0;
  available = true;
  async write(entries: SpoolEntry[]): Promise<void> {
    if (!this.available) throw storeUnavailable();
    for (const entry of entries) {
      this.inserts++;
      if (!this.rows.has(entry.id)) this.rows.set(entry.id, entry);
    }
  }
}

function countingMetrics() {
  const counts = { disk: 0, memory: 0, written: 0, lost: [] as Array<[SpooledKind, LostReason, number]> };
  const metrics: StoreMetrics = {
    storeAvailability: () => {},
    storeFailure: () => {},
    storeFallback: () => {},
    recordSpooled: (_kind, where) => counts[where]++,
    spoolWritten: (_kind, count) => (counts.written += count),
    recordsLost: (kind, reason, count) => counts.lost.push([kind, reason, count]),
    watchStore: () => {},
  };
  return { counts, metrics };
}

describe("the record spool", () => {
  let dir: string;
  let store: FakeStore;
  const spools: RecordSpool[] = [];
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), "cgw-spool-")), "spool");
    store = new FakeStore();
  });
  afterEach(async () => {
    for (const spool of spools.splice(0)) await spool.close(0);
    await rm(join(dir, ".."), { recursive: true, force: true });
  });
  const open = async (overrides: { maxBytes?: number; metrics?: StoreMetrics } = {}) => {
    const spool = new RecordSpool({ dir, maxBytes: overrides.maxBytes ?? 1_000_000, write: (entries) => store.write(entries), storeAvailable: () => store.available, logger: silentLogger, retryMs: 60_000, ...(overrides.metrics ? { metrics: overrides.metrics } : {}) });
    spools.push(spool);
    await spool.start();
    return spool;
  };

  it("keeps records on disk while the store is out, and writes each once when it returns", async () => {
    store.available = false;
    const { counts, metrics } = countingMetrics();
    const spool = await open({ metrics });
    for (const id of ["a", "b", "c"]) spool.add(usage(id));
    spool.add(usage("a"));
    await spool.flush();
    expect(spool.size).toBe(3);
    expect(spool.pendingSpend("key_a", 0)).toEqual({ tokens: 30, nanoAiu: 0 });
    expect(spool.pendingSpend("key_a", 2_000)).toEqual({ tokens: 0, nanoAiu: 0 });
    store.available = true;
    await spool.flush();
    expect([...store.rows.keys()].sort()).toEqual(["a", "b", "c"]);
    expect(store.inserts).toBe(3);
    expect(spool.size).toBe(0);
    expect(counts).toMatchObject({ disk: 3, memory: 0, written: 3, lost: [] });
    expect(await readdir(dir)).toEqual([]);
  });

  it("keeps them across a restart: a new spool on the directory writes what the last one left", async () => {
    store.available = false;
    const first = await open();
    first.add(usage("a"));
    first.add(usage("b"));
    await first.close();
    expect((await readdir(dir)).filter((name) => name.endsWith(".jsonl"))).toHaveLength(1);
    const second = await open();
    expect(second.size).toBe(2);
    store.available = true;
    await second.flush();
    expect([...store.rows.keys()].sort()).toEqual(["a", "b"]);
  });

  it("writes a record once although a crash left its segment behind after writing it", async () => {
    // A process wrote "a" to the store, then died before deleting the segment it came from.
    const owner = { host: thisProcess().host, pid: 999_999_999, token: "dead" };
    const segment = join(dir, segmentName(owner, 1, "open"));
    await mkdir(dir, { recursive: true });
    await writeFile(segment, `${JSON.stringify(usage("a"))}\n${JSON.stringify(usage("b"))}\n{"kind":"usage","id":"c","rec`);
    await store.write([usage("a")]);
    const { counts, metrics } = countingMetrics();
    const spool = await open({ metrics });
    await spool.flush();
    expect([...store.rows.keys()].sort()).toEqual(["a", "b"]);
    // The half line its death left is lost, and said so.
    expect(counts.lost).toEqual([["usage", "damaged", 1]]);
  });

  it("leaves a live process's open segment alone, and takes one left unchanged for two minutes", async () => {
    await mkdir(dir, { recursive: true });
    const live = join(dir, segmentName({ host: "another_host", pid: 1, token: "abcd" }, 1, "open"));
    await writeFile(live, `${JSON.stringify(usage("x"))}\n`);
    const spool = await open();
    await spool.flush();
    expect(store.rows.has("x")).toBe(false);
    const old = new Date(Date.now() - 3 * 60_000);
    await utimes(live, old, old);
    await spool.flush();
    expect(store.rows.has("x")).toBe(true);
  });

  it("counts what finds it full as lost, and holds what the disk refuses in memory", async () => {
    store.available = false;
    const { counts, metrics } = countingMetrics();
    const oneRecord = Buffer.byteLength(JSON.stringify(usage("a"))) + 1;
    const spool = await open({ maxBytes: oneRecord * 2, metrics });
    for (const id of ["a", "b", "c"]) spool.add(usage(id));
    expect(counts.lost).toEqual([["usage", "spool_full", 1]]);
    await spool.flush();
    // The directory becomes a file: nothing can be appended there any more.
    await spool.close(0);
    await rename(dir, `${dir}-gone`);
    await writeFile(dir, "not a directory");
    const blocked = await open({ metrics });
    blocked.add(usage("d"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(counts.memory).toBe(1);
    store.available = true;
    await blocked.flush();
    expect(store.rows.has("d")).toBe(true);
    blocked.add(usage("e"));
    store.available = false;
    await blocked.close(0);
    expect(counts.lost).toContainEqual(["usage", "stopped", 1]);
    await rm(dir, { force: true });
    await rename(`${dir}-gone`, dir);
  });
});
