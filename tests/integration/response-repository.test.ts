// The database under the kept Responses: migrations, persistence across a
// reopen (a restart), sharing between two connections (two processes), the
// sweep, and what is written down. On SQLite always; on PostgreSQL when
// TEST_DATABASE_URL is set.
import { migrationProvider } from "../../src/storage/migrations/index.js";
import { describe, expect, it } from "vitest";
import type { OutputItem, ResponseObject } from "../../src/dialects/responses/response-object.js";
import type { StoredResponse } from "../../src/dialects/responses/response-store.js";
import { ResponseRepository } from "../../src/storage/response-repository.js";
import { DATABASE_KINDS, databasesDisposedAfterEach } from "../support/databases.js";

const message = (id: string): OutputItem => ({ id, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: id, annotations: [], logprobs: [] }] });

function stored(id: string, caller: string, output: OutputItem[] = [message(`msg_${id}`)]): StoredResponse {
  return {
    caller,
    conversation: [
      { role: "user", content: [{ type: "text", text: `question ${id}` }] },
      { role: "assistant", text: `answer ${id}`, toolCalls: [] },
    ],
    response: { id, object: "response", status: "completed", output } as unknown as ResponseObject,
  };
}

const { fresh, open } = databasesDisposedAfterEach();

describe.each(DATABASE_KINDS)("ResponseRepository on %s", (kind) => {
  it("opens the right database and applies the migrations once, however often it is opened", async () => {
    const target = await fresh(kind);
    const first = await open(target);
    expect(first.kind).toBe(kind);
    expect(first.description).not.toMatch(/gateway_test:|password/);
    await first.close();
    const again = await open(target);
    const tables = (await again.db.introspection.getTables()).map((table) => table.name);
    expect(tables).toEqual(expect.arrayContaining(["stored_responses", "response_items"]));
  });

  it("applies each migration once when several processes open a fresh database at the same time", async () => {
    const target = await fresh(kind);
    const opened = await Promise.all(Array.from({ length: 4 }, () => open(target)));
    const applied = await opened[0]!.db.selectFrom("kysely_migration" as never).select("name" as never).execute();
    expect(applied.map((row) => (row as { name: string }).name)).toEqual(Object.keys(await migrationProvider.getMigrations()));
  });

  it("keeps a response across a close and reopen, as across a restart", async () => {
    const target = await fresh(kind);
    const before = await open(target);
    await new ResponseRepository(before.db).put("resp_1", stored("resp_1", "key-a"));
    await before.close();

    const after = await open(target);
    const repository = new ResponseRepository(after.db);
    expect((await repository.get("resp_1", "key-a"))?.conversation.at(-1)).toEqual({ role: "assistant", text: "answer resp_1", toolCalls: [] });
    expect(await repository.item("msg_resp_1", "key-a")).toEqual(message("msg_resp_1"));
    expect(await repository.get("resp_1", "key-b")).toBeUndefined();
  });

  it("shares responses between two connections open side by side, as between two processes", async () => {
    const target = await fresh(kind);
    const one = new ResponseRepository((await open(target)).db);
    const two = new ResponseRepository((await open(target)).db);
    await one.put("resp_1", stored("resp_1", "key-a"));
    expect(await two.get("resp_1", "key-a")).toBeDefined();
    await two.put("resp_2", stored("resp_2", "key-a"));
    expect(await one.item("msg_resp_2", "key-a")).toBeDefined();
  });

  it("sweeps expired responses and their items out of the tables", async () => {
    let now = 10_000;
    const database = await open(await fresh(kind));
    const repository = new ResponseRepository(database.db, { ttlMs: 1_000, now: () => now });
    await repository.put("resp_old", stored("resp_old", "key-a"));
    now += 600;
    await repository.put("resp_new", stored("resp_new", "key-a"));
    now += 600;
    await repository.sweep();
    const ids = (await database.db.selectFrom("stored_responses").select("id").execute()).map((row) => row.id);
    expect(ids).toEqual(["resp_new"]);
    const items = (await database.db.selectFrom("response_items").select("item_id").execute()).map((row) => row.item_id);
    expect(items).toEqual(["msg_resp_new"]);
  });

  it("writes no API key down: callers are stored as hashes", async () => {
    const database = await open(await fresh(kind));
    await new ResponseRepository(database.db).put("resp_1", stored("resp_1", "gw-SECRETKEY"));
    const rows = await database.db.selectFrom("stored_responses").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain("gw-SECRETKEY");
  });
});

describe.runIf(DATABASE_KINDS.includes("postgres"))("migrations on a shared PostgreSQL server", () => {
  it("are not fooled by another schema's Kysely bookkeeping tables", async () => {
    const other = await fresh("postgres");
    const neighbour = await open(other);
    // The neighbour (another app, another gateway's schema) has its bookkeeping; ours has none yet.
    expect((await neighbour.db.introspection.getTables({ withInternalKyselyTables: true })).some((table) => table.name === "kysely_migration_lock")).toBe(true);
    const ours = await open(await fresh("postgres"));
    await expect(ours.db.selectFrom("stored_responses").selectAll().execute()).resolves.toEqual([]);
  });
});
