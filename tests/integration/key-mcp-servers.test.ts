// A virtual key's MCP server grants (`mcp_servers`) through the admin API and
// in the database: set on create, shown on list and get, replaced and cleared
// on update, none unless given, and a bad name a 400 that names it. On SQLite
// always; on PostgreSQL when TEST_DATABASE_URL is set.
import { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyAdmin } from "../../src/access/key-admin.js";
import { adminRoutes } from "../../src/http/admin-routes.js";
import type { AppEnv } from "../../src/pipeline/app-env.js";
import { openDatabase, type GatewayDatabase } from "../../src/storage/database.js";
import { KeyRepository } from "../../src/storage/key-repository.js";
import { UsageRepository } from "../../src/storage/usage-repository.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../support/databases.js";

const ADMIN_KEY = "admin-secret-for-grant-tests";

type Json = Record<string, any>;

describe.each(DATABASE_KINDS)("a key's MCP servers on %s", (kind) => {
  let target: TestDatabase;
  let database: GatewayDatabase;
  let app: Hono<AppEnv>;

  beforeEach(async () => {
    target = await createTestDatabase(kind);
    database = await openDatabase(target.options);
    const usage = new UsageRepository(database.db);
    app = new Hono<AppEnv>().route("/admin", adminRoutes({ admin: new KeyAdmin(new KeyRepository(database.db), usage), usage, adminKey: ADMIN_KEY }));
  });
  afterEach(async () => {
    await database.close();
    await target.dispose();
  });

  async function send(method: "GET" | "POST" | "PATCH", path: string, body?: Json): Promise<{ status: number; json: Json }> {
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { "content-type": "application/json" } : {}) };
    const response = await app.request(`/admin${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, json: (await response.json()) as Json };
  }

  const storedColumn = async (id: string) =>
    (await database.db.selectFrom("api_keys").select("mcp_servers").where("id", "=", id).executeTakeFirstOrThrow()).mcp_servers;

  it("keeps the servers a key is granted, and shows them on create, list and get", async () => {
    const created = await send("POST", "/keys", { name: "docs bot", mcp_servers: ["github", "docs-search", "docs-search"] });
    expect(created.status).toBe(201);
    // A name given twice is one grant.
    expect(created.json.mcp_servers).toEqual(["github", "docs-search"]);
    expect(JSON.parse((await storedColumn(created.json.id))!)).toEqual(["github", "docs-search"]);

    const listed = await send("GET", "/keys");
    expect(listed.json.data).toEqual([expect.objectContaining({ id: created.json.id, mcp_servers: ["github", "docs-search"] })]);
    expect((await send("GET", `/keys/${created.json.id}`)).json.mcp_servers).toEqual(["github", "docs-search"]);

    const all = await send("POST", "/keys", { name: "ops", mcp_servers: ["*"] });
    expect(all.json.mcp_servers).toEqual(["*"]);
  });

  it("grants none unless told: absent, null and [] are all none, shown as [] and stored as null", async () => {
    for (const body of [{ name: "plain" }, { name: "null", mcp_servers: null }, { name: "empty", mcp_servers: [] }]) {
      const created = await send("POST", "/keys", body);
      expect(created.json.mcp_servers, body.name).toEqual([]);
      expect(await storedColumn(created.json.id), body.name).toBeNull();
    }
    // A row written before the column existed reads the same way.
    await database.db
      .insertInto("api_keys")
      .values({ id: "key_old", name: "old", owner: "", secret_hash: "0".repeat(64), hint: "sk-cgw-…old0", status: "active", created_at: 1, updated_at: 1 })
      .execute();
    expect((await send("GET", "/keys/key_old")).json.mcp_servers).toEqual([]);
  });

  it("replaces the list on PATCH, clears it with null or [], and leaves it alone when the body does not name it", async () => {
    const { json: created } = await send("POST", "/keys", { name: "k", mcp_servers: ["github"] });
    const replaced = await send("PATCH", `/keys/${created.id}`, { mcp_servers: ["docs", "jira"] });
    expect(replaced.status).toBe(200);
    expect(replaced.json.mcp_servers).toEqual(["docs", "jira"]);
    expect((await send("PATCH", `/keys/${created.id}`, { rpm_limit: 5 })).json.mcp_servers).toEqual(["docs", "jira"]);

    const cleared = await send("PATCH", `/keys/${created.id}`, { mcp_servers: null });
    expect(cleared.json.mcp_servers).toEqual([]);
    expect(await storedColumn(created.id)).toBeNull();
    await send("PATCH", `/keys/${created.id}`, { mcp_servers: ["*"] });
    expect((await send("PATCH", `/keys/${created.id}`, { mcp_servers: [] })).json.mcp_servers).toEqual([]);
  });

  it.each([
    ["a string, not a list", "github", "mcp_servers", "invalid_type"],
    ["an empty name", ["github", ""], "mcp_servers[1]", "invalid_value"],
    ["a name with a space", ["my server"], "mcp_servers[0]", "invalid_value"],
    ["a name with a dot, which no configured server can have", ["docs.search"], "mcp_servers[0]", "invalid_value"],
    ["a name of 65 characters", ["a".repeat(65)], "mcp_servers[0]", "invalid_value"],
    ["a name that is not a string", [7], "mcp_servers[0]", "invalid_type"],
    ['"*" beside a name', ["*", "github"], "mcp_servers", "invalid_value"],
    ["101 names", Array.from({ length: 101 }, (_, index) => `s${index}`), "mcp_servers", "invalid_value"],
  ])("rejects %s with a 400 naming the field, on create and on update", async (_, value, param, code) => {
    const created = await send("POST", "/keys", { name: "k", mcp_servers: value });
    expect(created.status).toBe(400);
    expect(created.json.error).toMatchObject({ type: "invalid_request_error", param, code });
    expect(created.json.error.message).toContain(param);

    const { json: key } = await send("POST", "/keys", { name: "k", mcp_servers: ["github"] });
    const updated = await send("PATCH", `/keys/${key.id}`, { mcp_servers: value });
    expect(updated.status).toBe(400);
    expect(updated.json.error).toMatchObject({ param, code });
    expect((await send("GET", `/keys/${key.id}`)).json.mcp_servers).toEqual(["github"]);
  });

  it("accepts 100 names of 64 characters, of letters, digits, _ and -", async () => {
    const names = Array.from({ length: 100 }, (_, index) => `Srv_${index}_v-2`.padEnd(64, "x"));
    const created = await send("POST", "/keys", { name: "many", mcp_servers: names });
    expect(created.status).toBe(201);
    expect(created.json.mcp_servers).toEqual(names);
  });
});
