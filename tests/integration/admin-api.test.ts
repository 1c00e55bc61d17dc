// The admin API (/admin) on a real database: who may call it, keys made,
// changed and revoked through it, what is and is not written down, and the
// usage report as JSON and CSV. On SQLite always; on PostgreSQL when
// TEST_DATABASE_URL is set.
import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyAdmin } from "../../src/access/key-admin.js";
import type { UsageRecord } from "../../src/access/usage.js";
import { hashSecret } from "../../src/access/virtual-keys.js";
import { adminRoutes } from "../../src/http/admin-routes.js";
import type { AppEnv } from "../../src/pipeline/app-env.js";
import { openDatabase, type GatewayDatabase } from "../../src/storage/database.js";
import { KeyRepository } from "../../src/storage/key-repository.js";
import { UsageRepository } from "../../src/storage/usage-repository.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../support/databases.js";

const ADMIN_KEY = "admin-secret-for-tests";
const DAY = 86_400_000;

type Json = Record<string, any>;

describe.each(DATABASE_KINDS)("admin API on %s", (kind) => {
  let target: TestDatabase;
  let database: GatewayDatabase;
  let keys: KeyRepository;
  let usage: UsageRepository;
  let admin: KeyAdmin;

  beforeEach(async () => {
    target = await createTestDatabase(kind);
    database = await openDatabase(target.options);
    keys = new KeyRepository(database.db);
    usage = new UsageRepository(database.db);
    admin = new KeyAdmin(keys, usage);
  });
  afterEach(async () => {
    await database.close();
    await target.dispose();
  });

  function mount(adminKey: string | undefined): Hono<AppEnv> {
    return new Hono<AppEnv>().route("/admin", adminRoutes({ admin, usage, adminKey }));
  }

  async function call(method: string, path: string, options: { body?: unknown; rawBody?: string; headers?: Record<string, string>; key?: string | null } = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== null) headers.authorization ??= `Bearer ${options.key ?? ADMIN_KEY}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const response = await mount(ADMIN_KEY).request(`/admin${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: (text.startsWith("{") ? JSON.parse(text) : undefined) as Json };
  }

  async function createKey(body: Json = { name: "ci bot" }): Promise<Json> {
    const created = await call("POST", "/keys", { body });
    expect(created.status).toBe(201);
    return created.json;
  }

  function usageRecord(overrides: Partial<UsageRecord>): UsageRecord {
    return {
      id: randomUUID(),
      startedAt: Date.UTC(2026, 0, 10, 12),
      requestId: randomUUID(),
      callerKind: "key",
      caller: "anonymous",
      keyId: null,
      model: "gpt-4.1",
      dialect: "openai-chat",
      status: "ok",
      errorCode: null,
      ttftMs: 50,
      durationMs: 400,
      inputTokens: 100,
      outputTokens: 20,
      cacheReadTokens: 10,
      cacheWriteTokens: 0,
      reasoningTokens: 5,
      cost: 1,
      nanoAiu: 500_000_000,
      estimated: false,
      ...overrides,
    };
  }

  describe("guard", () => {
    it("is off (404 admin_disabled) until an admin key is configured, whatever is presented", async () => {
      const response = await mount(undefined).request("/admin/keys", { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(response.status).toBe(404);
      const body = (await response.json()) as Json;
      expect(body.error).toMatchObject({ code: "admin_disabled", type: "invalid_request_error" });
      expect(body.error.message).toContain("GATEWAY_ADMIN_KEY");
    });

    it("answers 401 without a key, on every route, known or not", async () => {
      for (const [method, path] of [
        ["GET", "/keys"],
        ["POST", "/keys"],
        ["DELETE", "/keys/key_x"],
        ["GET", "/usage"],
        ["GET", "/nothing-here"],
      ] as const) {
        const response = await call(method, path, { key: null });
        expect(response.status, `${method} ${path}`).toBe(401);
        expect(response.json.error).toMatchObject({ code: "missing_admin_key", param: null });
      }
    });

    it("refuses a wrong key, and a client's virtual key, with 401 invalid_admin_key and never echoes it", async () => {
      const { key: virtualKey } = await createKey();
      for (const presented of ["admin-secret-for-test", `${ADMIN_KEY}x`, virtualKey as string]) {
        for (const headers of [{ authorization: `Bearer ${presented}` }, { "x-api-key": presented }] as Array<Record<string, string>>) {
          const response = await call("GET", "/keys", { headers, key: null });
          expect(response.status).toBe(401);
          expect(response.json.error.code).toBe("invalid_admin_key");
          expect(response.text).not.toContain(presented);
          expect(response.headers.get("x-should-retry")).toBe("false");
        }
      }
    });

    it("keeps its error shape when mounted in an app with an error handler of its own", async () => {
      const parent = new Hono<AppEnv>().route("/admin", adminRoutes({ admin, usage, adminKey: ADMIN_KEY }));
      parent.onError((_, c) => c.text("parent handled it", 500));
      const response = await parent.request("/admin/keys");
      expect(response.status).toBe(401);
      expect(((await response.json()) as Json).error.code).toBe("missing_admin_key");
    });

    it("admits the admin key as a Bearer token or as x-api-key", async () => {
      expect((await call("GET", "/keys")).status).toBe(200);
      expect((await call("GET", "/keys", { key: null, headers: { "x-api-key": ADMIN_KEY } })).status).toBe(200);
    });
  });

  describe("keys", () => {
    it("creates a key and shows its secret once; lists and details never include it; only its hash is stored", async () => {
      const created = await createKey({ name: "ci bot", owner: "alice", models: ["gpt-4.1"], budget: { period: "day", tokens: 1000, credits: 2.5 }, rpm_limit: 60, max_parallel: 2, expires_at: "2030-01-01T00:00:00+02:00" });
      const secret = created.key as string;
      expect(secret).toMatch(/^sk-cgw-[\w-]{40,}$/);
      expect(created).toMatchObject({
        object: "api_key",
        name: "ci bot",
        owner: "alice",
        status: "active",
        models: ["gpt-4.1"],
        budget: { period: "day", tokens: 1000, credits: 2.5 },
        rpm_limit: 60,
        max_parallel: 2,
        expires_at: "2029-12-31T22:00:00.000Z",
      });
      expect(created.hint.endsWith(secret.slice(-4))).toBe(true);

      const list = await call("GET", "/keys");
      expect(list.json).toMatchObject({ object: "list", data: [{ id: created.id, name: "ci bot" }] });
      expect(list.json.data[0]).not.toHaveProperty("key");
      expect(list.text).not.toContain(secret);
      const shown = await call("GET", `/keys/${created.id}`);
      expect(shown.status).toBe(200);
      expect(shown.json).toMatchObject({ id: created.id, spent: { tokens: 0, credits: 0 } });
      expect(shown.json).not.toHaveProperty("key");
      expect(shown.text).not.toContain(secret);

      const row = await database.db.selectFrom("api_keys").selectAll().where("id", "=", created.id).executeTakeFirstOrThrow();
      expect(row.secret_hash).toBe(await hashSecret(secret));
      expect(JSON.stringify(row)).not.toContain(secret);
      expect((await keys.findBySecretHash(await hashSecret(secret)))?.id).toBe(created.id);
    });

    it("shows what a key with a budget spent in its current period", async () => {
      const created = await createKey({ name: "budgeted", budget: { period: "month", tokens: 10_000 } });
      await usage.record(usageRecord({ caller: created.id, keyId: created.id, startedAt: Date.now(), inputTokens: 300, outputTokens: 40 }));
      await usage.record(usageRecord({ caller: created.id, keyId: created.id, startedAt: Date.now() - 400 * DAY }));
      const shown = await call("GET", `/keys/${created.id}`);
      expect(shown.json.spent).toMatchObject({ tokens: 340, credits: 0.5 });
    });

    it.each([
      ["a missing name", {}, "name", "missing_required_parameter"],
      ["an empty name", { name: "  " }, "name", "invalid_value"],
      ["a budget period that does not exist", { name: "k", budget: { period: "week", tokens: 5 } }, "budget.period", "invalid_value"],
      ["a budget without tokens or credits", { name: "k", budget: { period: "day" } }, "budget", "invalid_value"],
      ["a fractional token budget", { name: "k", budget: { period: "day", tokens: 1.5 } }, "budget.tokens", "invalid_type"],
      ["an empty model list", { name: "k", models: [] }, "models", "invalid_value"],
      ["an empty model name", { name: "k", models: ["gpt-4.1", ""] }, "models[1]", "invalid_value"],
      ["a zero rate limit", { name: "k", rpm_limit: 0 }, "rpm_limit", "invalid_value"],
      ["an expiry without offset", { name: "k", expires_at: "2030-01-01T00:00:00" }, "expires_at", "invalid_value"],
      ["an unknown field", { name: "k", colour: "red" }, "colour", "unknown_parameter"],
      ["an unknown budget field", { name: "k", budget: { period: "day", tokens: 5, currency: "usd" } }, "budget.currency", "unknown_parameter"],
      ["a status on create", { name: "k", status: "active" }, "status", "unknown_parameter"],
    ])("rejects %s with a 400 naming the field", async (_, body, param, code) => {
      const response = await call("POST", "/keys", { body });
      expect(response.status).toBe(400);
      expect(response.json.error).toMatchObject({ type: "invalid_request_error", param, code });
      expect(response.json.error.message).toContain(param);
      expect((await call("GET", "/keys")).json.data).toEqual([]);
    });

    it("rejects a body that is not JSON, or not sent as JSON", async () => {
      const broken = await call("POST", "/keys", { rawBody: "{name:", headers: { "content-type": "application/json" } });
      expect(broken.status).toBe(400);
      expect(broken.json.error.code).toBe("invalid_json");
      const textual = await call("POST", "/keys", { rawBody: JSON.stringify({ name: "k" }), headers: { "content-type": "text/plain" } });
      expect(textual.status).toBe(400);
      expect(textual.json.error.code).toBe("invalid_content_type");
      const array = await call("POST", "/keys", { body: [{ name: "k" }] });
      expect(array.status).toBe(400);
      expect(array.json.error.code).toBe("invalid_type");
    });

    it("updates what the body names, clears limits with null, and disables and enables a key", async () => {
      const created = await createKey({ name: "k", owner: "alice", models: ["a"], budget: { period: "day", tokens: 5 }, rpm_limit: 10 });
      const changed = await call("PATCH", `/keys/${created.id}`, { body: { name: "renamed", models: null, budget: null, max_parallel: 3, status: "disabled" } });
      expect(changed.status).toBe(200);
      expect(changed.json).toMatchObject({ id: created.id, name: "renamed", owner: "alice", models: null, budget: null, rpm_limit: 10, max_parallel: 3, status: "disabled", spent: null });
      expect((await call("PATCH", `/keys/${created.id}`, { body: { status: "active" } })).json.status).toBe("active");
      const invalid = await call("PATCH", `/keys/${created.id}`, { body: { status: "revoked" } });
      expect(invalid.status).toBe(400);
      expect(invalid.json.error.param).toBe("status");
      const unknown = await call("PATCH", `/keys/${created.id}`, { body: { rpm: 5 } });
      expect(unknown.json.error).toMatchObject({ param: "rpm", code: "unknown_parameter" });
    });

    it("revokes a key for good: a later PATCH to active leaves it revoked", async () => {
      const created = await createKey();
      const revoked = await call("DELETE", `/keys/${created.id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.json).toMatchObject({ id: created.id, status: "revoked" });
      const reactivated = await call("PATCH", `/keys/${created.id}`, { body: { status: "active" } });
      expect(reactivated.json.status).toBe("revoked");
      expect((await keys.get(created.id))?.status).toBe("revoked");
    });

    it("answers 404 key_not_found for a key that does not exist", async () => {
      for (const [method, body] of [["GET"], ["PATCH", { name: "x" }], ["DELETE"]] as const) {
        const response = await call(method, "/keys/key_missing", body ? { body } : {});
        expect(response.status, method).toBe(404);
        expect(response.json.error).toMatchObject({ code: "key_not_found", param: "id" });
      }
    });
  });

  describe("live status", () => {
    it("gives the process's turns, sessions and streams at GET /status, to the admin key only", async () => {
      const live = new Hono<AppEnv>().route(
        "/admin",
        adminRoutes({ admin, usage, adminKey: ADMIN_KEY, status: () => ({ turns: { inFlight: 2, waiting: 1 }, sessions: { live: 3, suspended: 4 }, streams: 2 }) }),
      );
      const answered = await live.request("/admin/status", { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(answered.status).toBe(200);
      expect(await answered.json()).toEqual({
        object: "gateway_status",
        turns: { in_flight: 2, waiting: 1 },
        sessions: { live: 3, suspended: 4 },
        streams_in_flight: 2,
      });
      expect((await live.request("/admin/status")).status).toBe(401);
      // Without a source of live figures (the CLI's standalone admin), the route does not exist.
      expect((await call("GET", "/status")).status).toBe(404);
    });
  });

  describe("usage report", () => {
    async function recordSample(): Promise<{ alice: string; bob: string }> {
      const alice = (await createKey({ name: "alice's", owner: "alice" })).id as string;
      const bob = (await createKey({ name: "bob's", owner: "bob" })).id as string;
      const day1 = Date.UTC(2026, 0, 10, 9);
      const day2 = Date.UTC(2026, 0, 11, 23, 59);
      await usage.record(usageRecord({ caller: alice, keyId: alice, startedAt: day1, model: "gpt-4.1" }));
      await usage.record(usageRecord({ caller: alice, keyId: alice, startedAt: day2, model: "gpt-4.1", status: "error", inputTokens: 50, outputTokens: 0 }));
      await usage.record(usageRecord({ caller: alice, keyId: alice, startedAt: day2, model: "gpt-5", estimated: true, nanoAiu: null, cost: null }));
      await usage.record(usageRecord({ caller: bob, keyId: bob, startedAt: day1, model: "gpt-4.1", inputTokens: 1_000 }));
      await usage.record(usageRecord({ caller: "mona", callerKind: "github", keyId: null, startedAt: Date.UTC(2026, 0, 12), model: "gpt-5" }));
      return { alice, bob };
    }

    it("groups by key and model", async () => {
      const { alice, bob } = await recordSample();
      const report = await call("GET", "/usage?group_by=key,model");
      expect(report.status).toBe(200);
      expect(report.json).toMatchObject({ object: "usage_report", group_by: ["key", "model"], from: null, to: null });
      const rows = report.json.data as Json[];
      const row = (key: string, model: string) => rows.find((candidate) => candidate.group.key === key && candidate.group.model === model);
      expect(rows).toHaveLength(4);
      expect(row(alice, "gpt-4.1")).toEqual({
        group: { key: alice, model: "gpt-4.1" },
        requests: 2,
        errors: 1,
        input_tokens: 150,
        output_tokens: 20,
        cache_read_tokens: 20,
        cache_write_tokens: 0,
        reasoning_tokens: 10,
        cost: 2,
        credits: 1,
        estimated_requests: 0,
      });
      expect(row(alice, "gpt-5")).toMatchObject({ requests: 1, credits: 0, cost: 0, estimated_requests: 1 });
      expect(row(bob, "gpt-4.1")).toMatchObject({ requests: 1, input_tokens: 1_000 });
      expect(row("mona", "gpt-5")).toMatchObject({ requests: 1 });
    });

    it("groups by day between from (inclusive) and to (exclusive), as dates or datetimes", async () => {
      await recordSample();
      const byDay = await call("GET", "/usage?group_by=day&from=2026-01-10&to=2026-01-12");
      expect(byDay.json).toMatchObject({ group_by: ["day"], from: "2026-01-10T00:00:00.000Z", to: "2026-01-12T00:00:00.000Z" });
      expect(byDay.json.data.map((row: Json) => [row.group.day, row.requests])).toEqual([
        ["2026-01-10", 2],
        ["2026-01-11", 2],
      ]);
      const late = await call("GET", `/usage?group_by=owner&from=${encodeURIComponent("2026-01-11T01:00:00+02:00")}`);
      expect(late.json.from).toBe("2026-01-10T23:00:00.000Z");
      expect(late.json.data.map((row: Json) => [row.group.owner, row.requests])).toEqual([
        ["alice", 2],
        ["mona", 1],
      ]);
      const total = await call("GET", "/usage");
      expect(total.json.group_by).toEqual([]);
      expect(total.json.data).toEqual([expect.objectContaining({ group: {}, requests: 5 })]);
    });

    it("groups by UTC hour (a datetime from and to accept) and by error code (empty when none)", async () => {
      await usage.record(usageRecord({ startedAt: Date.UTC(2026, 0, 10, 9, 5) }));
      await usage.record(usageRecord({ startedAt: Date.UTC(2026, 0, 10, 9, 59), status: "error", errorCode: "upstream_timeout" }));
      await usage.record(usageRecord({ startedAt: Date.UTC(2026, 0, 10, 11), status: "cancelled", errorCode: "client_closed" }));
      await usage.record(usageRecord({ startedAt: Date.UTC(2026, 0, 10, 11, 30), status: "error", errorCode: "upstream_timeout" }));

      const byHour = await call("GET", "/usage?group_by=hour&from=2026-01-10T09:00:00Z");
      expect(byHour.json.data.map((row: Json) => [row.group.hour, row.requests, row.errors])).toEqual([
        ["2026-01-10T09:00:00Z", 2, 1],
        ["2026-01-10T11:00:00Z", 2, 1],
      ]);
      const fromLastBucket = await call("GET", `/usage?group_by=hour&from=${byHour.json.data[1].group.hour}`);
      expect(fromLastBucket.json.data.map((row: Json) => row.requests)).toEqual([2]);

      const byOutcome = await call("GET", "/usage?group_by=status,error");
      expect(byOutcome.json.data.map((row: Json) => [row.group.status, row.group.error, row.requests])).toEqual([
        ["cancelled", "client_closed", 1],
        ["error", "upstream_timeout", 2],
        ["ok", "", 1],
      ]);
      const csv = await call("GET", "/usage?group_by=hour,error&format=csv");
      expect(csv.text.split("\r\n")[0]).toMatch(/^hour,error,requests,/);
    });

    it.each([
      ["group_by=key,colour", "group_by"],
      ["from=yesterday", "from"],
      ["from=2026-02-30", "from"],
      ["to=2026-01-10T00:00:00", "to"],
      ["from=2026-01-10&to=2026-01-10", "to"],
      ["format=xml", "format"],
    ])("rejects %s with a 400 naming %s", async (query, param) => {
      const response = await call("GET", `/usage?${query}`);
      expect(response.status).toBe(400);
      expect(response.json.error).toMatchObject({ param, type: "invalid_request_error" });
      expect(response.json.error.message).toContain(param);
    });

    it("gives CSV for format=csv or an Accept header preferring text/csv: a header row, RFC 4180 quoting, no formulas", async () => {
      const formula = (await createKey({ name: "f", owner: "=HYPERLINK(\"http://x\",\"y\")" })).id as string;
      const quoted = (await createKey({ name: "q", owner: 'Smith, "J"' })).id as string;
      await usage.record(usageRecord({ caller: formula, keyId: formula }));
      await usage.record(usageRecord({ caller: quoted, keyId: quoted }));
      await usage.record(usageRecord({ caller: "@mona", callerKind: "github", model: "-gpt" }));

      const csv = await call("GET", "/usage?group_by=owner,model&format=csv");
      expect(csv.status).toBe(200);
      expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      const lines = csv.text.split("\r\n");
      expect(lines[0]).toBe("owner,model,requests,errors,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,reasoning_tokens,cost,credits,estimated_requests");
      expect(lines.at(-1)).toBe("");
      expect(lines.slice(1, -1).sort()).toEqual(
        [
          `"'=HYPERLINK(""http://x"",""y"")",gpt-4.1,1,0,100,20,10,0,5,1,0.5,0`,
          `"Smith, ""J""",gpt-4.1,1,0,100,20,10,0,5,1,0.5,0`,
          `'@mona,'-gpt,1,0,100,20,10,0,5,1,0.5,0`,
        ].sort(),
      );

      for (const accept of ["text/csv", "application/json;q=0.5, text/csv"]) {
        const negotiated = await call("GET", "/usage?group_by=model", { headers: { accept } });
        expect(negotiated.headers.get("content-type"), accept).toBe("text/csv; charset=utf-8");
      }
      for (const accept of ["*/*", "application/json, text/csv", "text/html,*/*;q=0.8"]) {
        const negotiated = await call("GET", "/usage?group_by=model", { headers: { accept } });
        expect(negotiated.headers.get("content-type"), accept).toMatch(/^application\/json/);
      }
      expect((await call("GET", "/usage?format=json", { headers: { accept: "text/csv" } })).json.object).toBe("usage_report");
    });
  });
});
