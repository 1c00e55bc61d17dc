// The Responses dialect's `ResponseStore` on the database: kept responses
// survive a restart and are shared by every gateway process on the same
// database. Each entry is its own row (the conversation and response as
// JSON); its output item ids are rows of their own, for `item_reference`.
//
// Same rules as in memory: an entry is visible only to the caller that made
// it, expires when unused for the TTL, and beyond the cap the least recently
// used go first. Reads ignore expired rows; `sweep()` deletes them.
import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { OutputItem } from "../dialects/responses/response-object.js";
import {
  DEFAULT_MAX_RESPONSES,
  DEFAULT_RESPONSE_TTL_MS,
  type ResponseStore,
  type ResponseStoreOptions,
  type StoredResponse,
} from "../dialects/responses/response-store.js";
import type { DatabaseSchema } from "./schema.js";

type Body = Pick<StoredResponse, "conversation" | "response">;

export class ResponseRepository implements ResponseStore {
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    options: ResponseStoreOptions = {},
  ) {
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_RESPONSES);
    this.ttlMs = options.ttlMs ?? DEFAULT_RESPONSE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  async put(id: string, stored: StoredResponse): Promise<void> {
    const now = this.now();
    const body: Body = { conversation: stored.conversation, response: stored.response };
    const row = { id, caller: callerId(stored.caller), body: JSON.stringify(body), created_at: now, last_used: now };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("stored_responses")
        .values(row)
        .onConflict((conflict) => conflict.column("id").doUpdateSet({ caller: row.caller, body: row.body, last_used: now }))
        .execute();
      await trx.deleteFrom("response_items").where("response_id", "=", id).execute();
      const items = [...new Set(stored.response.output.map((item) => item.id))].map((itemId) => ({ item_id: itemId, response_id: id }));
      if (items.length > 0) {
        await trx
          .insertInto("response_items")
          .values(items)
          .onConflict((conflict) => conflict.column("item_id").doUpdateSet({ response_id: id }))
          .execute();
      }
    });
    await this.enforceCap();
  }

  async get(id: string, caller: string): Promise<StoredResponse | undefined> {
    const now = this.now();
    const found = await this.db
      .selectFrom("stored_responses")
      .select("body")
      .where("id", "=", id)
      .where("caller", "=", callerId(caller))
      .where("last_used", ">", now - this.ttlMs)
      .executeTakeFirst();
    if (found === undefined) return undefined;
    await this.db.updateTable("stored_responses").set({ last_used: now }).where("id", "=", id).execute();
    const body = JSON.parse(found.body) as Body;
    return { caller, conversation: body.conversation, response: body.response };
  }

  async item(itemId: string, caller: string): Promise<OutputItem | undefined> {
    const owner = await this.db.selectFrom("response_items").select("response_id").where("item_id", "=", itemId).executeTakeFirst();
    if (owner === undefined) return undefined;
    const stored = await this.get(owner.response_id, caller);
    return stored?.response.output.find((item) => item.id === itemId);
  }

  /** How many entries are kept and not expired. */
  async size(): Promise<number> {
    const { count } = await this.db
      .selectFrom("stored_responses")
      .select((eb) => eb.fn.countAll<number | string>().as("count"))
      .where("last_used", ">", this.now() - this.ttlMs)
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /** Deletes expired entries and their items; the process calls it now and then. */
  async sweep(): Promise<void> {
    const cutoff = this.now() - this.ttlMs;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom("response_items")
        .where("response_id", "in", trx.selectFrom("stored_responses").select("id").where("last_used", "<=", cutoff))
        .execute();
      await trx.deleteFrom("stored_responses").where("last_used", "<=", cutoff).execute();
    });
  }

  /** Beyond the cap, the least recently used entries go (with their items). */
  private async enforceCap(): Promise<void> {
    const { count } = await this.db
      .selectFrom("stored_responses")
      .select((eb) => eb.fn.countAll<number | string>().as("count"))
      .executeTakeFirstOrThrow();
    const excess = Number(count) - this.maxEntries;
    if (excess <= 0) return;
    const oldest = await this.db.selectFrom("stored_responses").select("id").orderBy("last_used", "asc").orderBy("id", "asc").limit(excess).execute();
    const ids = oldest.map((row) => row.id);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("response_items").where("response_id", "in", ids).execute();
      await trx.deleteFrom("stored_responses").where("id", "in", ids).execute();
    });
  }
}

/** The caller as stored: a hash, so the database holds no API key. */
function callerId(caller: string): string {
  return createHash("sha256").update(caller).digest("hex");
}
