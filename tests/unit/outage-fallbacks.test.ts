// What the gateway answers from memory while its store is out: keys
// confirmed shortly before the outage (with their settings as last changed
// anywhere), and a key's per-minute count and spend from the store's last
// answer plus what this process recorded since, budget holds decided on
// that; records the store cannot take go to the spool.
import { describe, expect, it } from "vitest";
import { holdDecision, type BudgetHold, type BudgetHolds, type BudgetLimit, type HoldOutcome } from "../../src/access/budget-holds.js";
import { OutageTolerantUsage, type UsageSpool } from "../../src/access/outage-usage.js";
import { RememberedKeys } from "../../src/access/remembered-keys.js";
import type { Spend, UsageRecord, UsageStore } from "../../src/access/usage.js";
import type { KeyStore, VirtualKey } from "../../src/access/virtual-keys.js";
import { isStoreUnavailable, storeUnavailable } from "../../src/core/store-outage.js";

function virtualKey(id: string, changes: Partial<VirtualKey> = {}): VirtualKey {
  return { id, name: id, owner: "", hint: "", models: null, mcpServers: [], budget: null, rpmLimit: null, maxParallel: null, expiresAt: null, status: "active", createdAt: 0, updatedAt: 0, ...changes };
}

/** Keys by secret hash; `out` makes every call fail as a store that is out. */
class FakeKeys implements KeyStore {
  out = false;
  readonly byHash = new Map<string, VirtualKey>();
  private check() {
    if (this.out) throw storeUnavailable();
  }
  async create(key: VirtualKey, secretHash: string) {
    this.check();
    this.byHash.set(secretHash, key);
  }
  async list() {
    this.check();
    return [...this.byHash.values()];
  }
  async get(id: string) {
    this.check();
    return [...this.byHash.values()].find((key) => key.id === id);
  }
  async findBySecretHash(secretHash: string) {
    this.check();
    return this.byHash.get(secretHash);
  }
  async update(id: string, changes: Partial<VirtualKey>, now: number) {
    this.check();
    for (const [hash, key] of this.byHash) if (key.id === id) this.byHash.set(hash, { ...key, ...changes, updatedAt: now });
    return this.get(id);
  }
  async changedSince(since: number) {
    this.check();
    return [...this.byHash.values()].filter((key) => key.updatedAt >= since);
  }
}

describe("remembered keys", () => {
  const setup = (windowMs: number) => {
    let now = 1_000_000;
    let outageSince: number | undefined;
    const store = new FakeKeys();
    const keys = new RememberedKeys(store, { windowMs, outageSince: () => outageSince, now: () => now });
    return { store, keys, advance: (ms: number) => (now += ms), outage: (begins: boolean) => (outageSince = begins ? now : undefined), nowIs: () => now };
  };

  it("serves a key confirmed shortly before the outage, with its settings as changed elsewhere, and no other", async () => {
    const { store, keys, advance, outage, nowIs } = setup(300_000);
    await store.create(virtualKey("key_a", { rpmLimit: 5 }), "hash-a");
    await store.create(virtualKey("key_b"), "hash-b");
    await store.create(virtualKey("key_c"), "hash-c");
    expect(await keys.findBySecretHash("hash-a")).toMatchObject({ id: "key_a" });
    expect(await keys.findBySecretHash("hash-c")).toMatchObject({ id: "key_c" });
    advance(1_000);
    // Another process revokes c and changes a's limit; the refresh follows both.
    await store.update("key_c", { status: "revoked" }, nowIs());
    await store.update("key_a", { rpmLimit: 2 }, nowIs());
    await keys.refresh();
    store.out = true;
    outage(true);
    expect(await keys.findBySecretHash("hash-a")).toMatchObject({ id: "key_a", rpmLimit: 2 });
    expect(await keys.findBySecretHash("hash-c")).toMatchObject({ status: "revoked" });
    await expect(keys.findBySecretHash("hash-b")).rejects.toSatisfy(isStoreUnavailable);
    // However long the outage lasts: the window counts back from when it began.
    advance(3_600_000);
    expect(await keys.findBySecretHash("hash-a")).toMatchObject({ id: "key_a" });
  });

  it("does not serve a key confirmed longer ago than the window before the outage, nor any with a window of 0", async () => {
    const { store, keys, advance, outage } = setup(60_000);
    await store.create(virtualKey("key_a"), "hash-a");
    await keys.findBySecretHash("hash-a");
    advance(61_000);
    store.out = true;
    outage(true);
    await expect(keys.findBySecretHash("hash-a")).rejects.toSatisfy(isStoreUnavailable);

    const off = setup(0);
    await off.store.create(virtualKey("key_a"), "hash-a");
    await off.keys.findBySecretHash("hash-a");
    off.store.out = true;
    off.outage(true);
    await expect(off.keys.findBySecretHash("hash-a")).rejects.toSatisfy(isStoreUnavailable);
  });
});

/** Spend, per-minute counts and records of one store that can go out. */
class FakeUsage implements UsageStore {
  out = false;
  readonly records: UsageRecord[] = [];
  readonly windows = new Map<string, number>();
  private check() {
    if (this.out) throw storeUnavailable();
  }
  async record(record: UsageRecord) {
    this.check();
    this.records.push(record);
  }
  async spent(keyId: string, from: number): Promise<Spend> {
    this.check();
    const mine = this.records.filter((record) => record.keyId === keyId && record.startedAt >= from);
    return { tokens: mine.reduce((sum, record) => sum + record.inputTokens + record.outputTokens, 0), nanoAiu: 0 };
  }
  async countRequest(keyId: string, windowStart: number) {
    this.check();
    const slot = `${keyId}@${windowStart}`;
    this.windows.set(slot, (this.windows.get(slot) ?? 0) + 1);
    return this.windows.get(slot)!;
  }
  async report() {
    this.check();
    return [];
  }
}

function usageRecord(id: string, tokens: number): UsageRecord {
  return { id, startedAt: 5_000, requestId: id, callerKind: "key", caller: "key_a", keyId: "key_a", model: "m", dialect: "chat_completions", status: "ok", errorCode: null, ttftMs: 1, durationMs: 1, inputTokens: tokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, cost: null, nanoAiu: null, estimated: false };
}

describe("usage through an outage", () => {
  const setup = (serveFromMemory = true) => {
    const store = new FakeUsage();
    const spooled: UsageRecord[] = [];
    const spool: UsageSpool = {
      add: (record) => spooled.push(record),
      pendingSpend: (keyId, from) => ({ tokens: spooled.filter((r) => r.keyId === keyId && r.startedAt >= from).reduce((sum, r) => sum + r.inputTokens, 0), nanoAiu: 0 }),
    };
    return { store, spooled, usage: new OutageTolerantUsage(store, { spool, serveFromMemory }) };
  };

  it("spools what the store cannot take, and counts it in the key's spend from the last one the store gave", async () => {
    const { store, spooled, usage } = setup();
    expect(await usage.spent("key_a", 0)).toEqual({ tokens: 0, nanoAiu: 0 });
    await usage.record(usageRecord("r1", 10));
    expect(await usage.spent("key_a", 0)).toEqual({ tokens: 10, nanoAiu: 0 });
    await usage.record(usageRecord("r2", 20));
    store.out = true;
    // 10 read, 20 written since, 40 spooled.
    await usage.record(usageRecord("r3", 40));
    expect(spooled.map((record) => record.id)).toEqual(["r3"]);
    expect(await usage.spent("key_a", 0)).toEqual({ tokens: 70, nanoAiu: 0 });
    // A period that began during the outage starts from nothing but what was spooled in it.
    expect(await usage.spent("key_a", 6_000)).toEqual({ tokens: 0, nanoAiu: 0 });
    await expect(usage.spent("key_other", 0)).rejects.toSatisfy(isStoreUnavailable);
  });

  it("counts a key's requests this minute on from the store's last count", async () => {
    const { store, usage } = setup();
    expect(await usage.countRequest("key_a", 60_000)).toBe(1);
    expect(await usage.countRequest("key_a", 60_000)).toBe(2);
    store.out = true;
    expect(await usage.countRequest("key_a", 60_000)).toBe(3);
    expect(await usage.countRequest("key_a", 120_000)).toBe(1);
  });

  it("answers neither from memory when told not to", async () => {
    const { store, usage } = setup(false);
    await usage.spent("key_a", 0);
    await usage.countRequest("key_a", 60_000);
    store.out = true;
    await expect(usage.spent("key_a", 0)).rejects.toSatisfy(isStoreUnavailable);
    await expect(usage.countRequest("key_a", 60_000)).rejects.toSatisfy(isStoreUnavailable);
  });
});

/** Holds decided as the store decides them, on its records; `out` as above. */
class FakeHolds implements BudgetHolds {
  readonly held = new Map<string, BudgetHold>();
  lastLimit: BudgetLimit | undefined;
  constructor(private readonly usage: FakeUsage) {}
  async reserve(hold: BudgetHold, limit: BudgetLimit, periodStart: number): Promise<HoldOutcome> {
    if (this.usage.out) throw storeUnavailable();
    this.lastLimit = limit;
    const mine = [...this.held.values()].filter((other) => other.keyId === hold.keyId);
    const held = { count: mine.length, tokens: mine.reduce((sum, other) => sum + other.tokens, 0), nanoAiu: 0 };
    const outcome = holdDecision(limit, await this.usage.spent(hold.keyId, periodStart), held, hold);
    if (outcome.kind === "reserved") this.held.set(hold.id, hold);
    return outcome;
  }
  async release(id: string) {
    if (this.usage.out) throw storeUnavailable();
    this.held.delete(id);
  }
  async largestRecentNanoAiu() {
    if (this.usage.out) throw storeUnavailable();
    return 7;
  }
}

describe("budget holds through an outage", () => {
  const hold = (id: string, tokens = 5): BudgetHold => ({ id, keyId: "key_a", tokens, nanoAiu: 0, expiresAt: Number.MAX_SAFE_INTEGER });
  const limit: BudgetLimit = { tokens: 40, nanoAiu: null };
  const setup = () => {
    const store = new FakeUsage();
    const holds = new FakeHolds(store);
    Object.assign(store, { holds });
    const spooled: UsageRecord[] = [];
    const spool: UsageSpool = {
      add: (record) => spooled.push(record),
      pendingSpend: (keyId, from) => ({ tokens: spooled.filter((r) => r.keyId === keyId && r.startedAt >= from).reduce((sum, r) => sum + r.inputTokens, 0), nanoAiu: 0 }),
    };
    return { store, holds, spooled, usage: new OutageTolerantUsage(store, { spool, serveFromMemory: true }) };
  };

  it("lowers the store's limit by the key's records still in the spool", async () => {
    const { store, holds, usage } = setup();
    store.out = true;
    await usage.record(usageRecord("r1", 15));
    store.out = false;
    expect(await usage.holds!.reserve(hold("h1"), limit, 0, 0)).toEqual({ kind: "reserved" });
    expect(holds.lastLimit).toEqual({ tokens: 25, nanoAiu: null });
    await usage.record(usageRecord("r2", 30));
    // 30 written, 15 spooled: spent, and the answer says 45.
    expect(await usage.holds!.reserve(hold("h2"), limit, 0, 0)).toEqual({ kind: "spent", spent: { tokens: 45, nanoAiu: 0 } });
  });

  it("decides from memory while the store is out: one turn at a time at the end of a budget, then spent", async () => {
    const { store, usage } = setup();
    expect(await usage.holds!.reserve(hold("h1"), limit, 0, 0)).toEqual({ kind: "reserved" });
    expect(await usage.holds!.largestRecentNanoAiu("key_a", 0)).toBe(7);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await usage.record(usageRecord("r1", 30));
    await usage.holds!.release("h1");
    store.out = true;
    expect(await usage.holds!.largestRecentNanoAiu("key_a", 0)).toBe(7);
    // 30 spent of 40: a 20-token hold does not fit, but nothing else runs: it goes alone.
    expect(await usage.holds!.reserve(hold("h2", 20), limit, 0, 0)).toEqual({ kind: "reserved" });
    expect(await usage.holds!.reserve(hold("h3", 20), limit, 0, 0)).toEqual({ kind: "busy" });
    await usage.record(usageRecord("r2", 20));
    await usage.holds!.release("h2");
    expect(await usage.holds!.reserve(hold("h3", 20), limit, 0, 0)).toEqual({ kind: "spent", spent: { tokens: 50, nanoAiu: 0 } });
  });
});
