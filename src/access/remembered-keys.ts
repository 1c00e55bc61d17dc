// Virtual keys the store confirmed lately, so that people using the gateway
// are not locked out while it is out: every lookup still reads the store (a
// revocation counts on the next request, as ever), and only when the store
// cannot answer is a key it confirmed shortly before the outage served, with
// its last known settings and limits. A key changed in the store by any
// process or the CLI is followed here too (`refresh`), so a revocation made
// before the outage holds during it; an unknown key gets the store's 503.
// LiteLLM's `allow_requests_on_db_unavailable` is the anchor.
import { isStoreUnavailable } from "../core/store-outage.js";
import type { AuditOf, KeySettings, KeyStore, VirtualKey } from "./virtual-keys.js";

export interface RememberedKeysOptions {
  /** A key confirmed at most this long before the outage began is served during it; 0: none is. */
  windowMs: number;
  /** When the store's current outage began; undefined while it answers. */
  outageSince: () => number | undefined;
  /** A key was served from memory. */
  onRecalled?: () => void;
  /** Keys remembered at most (the least recently confirmed go first); default 10,000. */
  maxKeys?: number;
  now?: () => number;
}

interface Remembered {
  key: VirtualKey;
  confirmedAt: number;
}

/** How far back a refresh looks past the previous one: the clocks of the processes that change keys may differ. */
const CLOCK_SLACK_MS = 60_000;

export class RememberedKeys implements KeyStore {
  private readonly byHash = new Map<string, Remembered>();
  private readonly hashOfId = new Map<string, string>();
  private readonly now: () => number;
  private refreshedFrom: number;

  constructor(
    private readonly store: KeyStore,
    private readonly options: RememberedKeysOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.refreshedFrom = this.now();
  }

  async findBySecretHash(secretHash: string): Promise<VirtualKey | undefined> {
    const now = this.now();
    try {
      const key = await this.store.findBySecretHash(secretHash);
      if (key) this.remember(secretHash, key, now);
      else this.forget(secretHash);
      return key;
    } catch (error) {
      const recalled = isStoreUnavailable(error) ? this.recall(secretHash) : undefined;
      if (recalled === undefined) throw error;
      this.options.onRecalled?.();
      return recalled;
    }
  }

  /**
   * Brings the remembered keys' settings up to what the store holds now,
   * for every key changed since the last refresh (by this process or any
   * other); forgets keys confirmed too long ago to be served. Throws what the
   * store throws.
   */
  async refresh(): Promise<void> {
    const startedAt = this.now();
    this.forgetOlderThan(startedAt - this.options.windowMs);
    if (this.byHash.size === 0 || !this.store.changedSince) {
      this.refreshedFrom = startedAt;
      return;
    }
    for (const key of await this.store.changedSince(this.refreshedFrom - CLOCK_SLACK_MS)) this.follow(key);
    this.refreshedFrom = startedAt;
  }

  create(key: VirtualKey, secretHash: string, audit?: AuditOf): Promise<void> {
    return this.store.create(key, secretHash, audit);
  }

  list(): Promise<VirtualKey[]> {
    return this.store.list();
  }

  get(id: string): Promise<VirtualKey | undefined> {
    return this.store.get(id);
  }

  async update(id: string, changes: Partial<KeySettings>, now: number, audit?: AuditOf): Promise<VirtualKey | undefined> {
    const key = await this.store.update(id, changes, now, audit);
    if (key) this.follow(key);
    return key;
  }

  listOfPerson(personId: string): Promise<VirtualKey[]> {
    return this.store.listOfPerson ? this.store.listOfPerson(personId) : Promise.resolve([]);
  }

  changedSince(since: number): Promise<VirtualKey[]> {
    return this.store.changedSince ? this.store.changedSince(since) : Promise.resolve([]);
  }

  private recall(secretHash: string): VirtualKey | undefined {
    if (this.options.windowMs <= 0) return undefined;
    const remembered = this.byHash.get(secretHash);
    const outageBegan = this.options.outageSince() ?? this.now();
    if (remembered === undefined || remembered.confirmedAt < outageBegan - this.options.windowMs) return undefined;
    return remembered.key;
  }

  private remember(secretHash: string, key: VirtualKey, now: number): void {
    if (this.options.windowMs <= 0) return;
    this.byHash.delete(secretHash);
    this.byHash.set(secretHash, { key, confirmedAt: now });
    this.hashOfId.set(key.id, secretHash);
    const max = this.options.maxKeys ?? 10_000;
    for (const oldest of this.byHash.keys()) {
      if (this.byHash.size <= max) break;
      this.forget(oldest);
    }
  }

  /** A key's new settings, keeping when it was confirmed for a request. */
  private follow(key: VirtualKey): void {
    const secretHash = this.hashOfId.get(key.id);
    const remembered = secretHash === undefined ? undefined : this.byHash.get(secretHash);
    if (remembered) remembered.key = key;
  }

  private forget(secretHash: string): void {
    const remembered = this.byHash.get(secretHash);
    if (!remembered) return;
    this.byHash.delete(secretHash);
    this.hashOfId.delete(remembered.key.id);
  }

  private forgetOlderThan(cutoff: number): void {
    for (const [secretHash, remembered] of this.byHash) if (remembered.confirmedAt < cutoff) this.forget(secretHash);
  }
}
