// What `previous_response_id` and `item_reference` point at. The Responses API
// is stateful at OpenAI; the gateway keeps just enough to give those ids
// meaning: for each response, the conversation the client now holds (its
// input and the answer, in the normalised form the ledger records) and the
// response object itself.
//
// Chaining then needs no second mechanism: the stored conversation is put in
// front of the new input, and the ledger finds the live Copilot session by
// prefix exactly as it does for a chat client resending its history.
//
// The route talks to the `ResponseStore` interface; the process keeps
// responses in the database (src/storage/response-repository.ts), so they
// survive restarts and are shared by every gateway process on it.
// `MemoryResponseStore` is the same contract in memory, for an app built
// without a database (tests). Both are bounded (least recently used go first)
// and expiring (idle TTL); entries are visible only to the caller (API key)
// that created them. This file is pure: no I/O, and the clock is injectable.
import type { ConversationMessage } from "../../core/turn.js";
import type { OutputItem, ResponseObject } from "./response-object.js";

export interface StoredResponse {
  /** The caller key of the request that created the response. */
  caller: string;
  /** Input messages (earlier ones included, `instructions` not) and the answer. */
  conversation: readonly ConversationMessage[];
  response: ResponseObject;
}

/** Where kept responses live. Every read counts as a use and keeps the entry alive. */
export interface ResponseStore {
  put(id: string, stored: StoredResponse): Promise<void>;
  /** The stored response, if it exists, has not expired and belongs to `caller`; another caller's id looks unknown. */
  get(id: string, caller: string): Promise<StoredResponse | undefined>;
  /** An output item of a stored response of `caller`, by its item id. */
  item(itemId: string, caller: string): Promise<OutputItem | undefined>;
}

export interface ResponseStoreOptions {
  /** Default 1,000. */
  maxEntries?: number;
  /** Entries unused for this long are gone. Default 30 minutes. */
  ttlMs?: number;
  now?: () => number;
}

export const DEFAULT_MAX_RESPONSES = 1_000;
export const DEFAULT_RESPONSE_TTL_MS = 30 * 60_000;

interface Entry {
  stored: StoredResponse;
  lastUsed: number;
}

export class MemoryResponseStore implements ResponseStore {
  /** In least-recently-used order: a use moves an entry to the end. */
  private readonly entries = new Map<string, Entry>();
  /** Output item id → the response that produced it. */
  private readonly itemOwners = new Map<string, string>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: ResponseStoreOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_RESPONSES);
    this.ttlMs = options.ttlMs ?? DEFAULT_RESPONSE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    this.sweep();
    return this.entries.size;
  }

  put(id: string, stored: StoredResponse): Promise<void> {
    this.sweep();
    this.remove(id);
    this.entries.set(id, { stored, lastUsed: this.now() });
    for (const item of stored.response.output) this.itemOwners.set(item.id, id);
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries) break;
      this.remove(oldest);
    }
    return Promise.resolve();
  }

  get(id: string, caller: string): Promise<StoredResponse | undefined> {
    return Promise.resolve(this.use(id, caller));
  }

  item(itemId: string, caller: string): Promise<OutputItem | undefined> {
    const owner = this.itemOwners.get(itemId);
    if (owner === undefined) return Promise.resolve(undefined);
    return Promise.resolve(this.use(owner, caller)?.response.output.find((item) => item.id === itemId));
  }

  private use(id: string, caller: string): StoredResponse | undefined {
    this.sweep();
    const entry = this.entries.get(id);
    if (entry === undefined || entry.stored.caller !== caller) return undefined;
    entry.lastUsed = this.now();
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry.stored;
  }

  private sweep(): void {
    const oldest = this.now() - this.ttlMs;
    for (const [id, entry] of this.entries) {
      // Entries are in use order, so the first one still fresh ends the sweep.
      if (entry.lastUsed > oldest) return;
      this.remove(id);
    }
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    for (const item of entry.stored.response.output) {
      if (this.itemOwners.get(item.id) === id) this.itemOwners.delete(item.id);
    }
  }
}
