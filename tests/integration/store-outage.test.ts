// The database as a supervised dependency, on a PostgreSQL server of the
// test's own that it stops (as in a crash: `pg_ctl stop -m immediate`) and
// starts again under a running gateway (the real runtime, the scripted model).
// While it is out: a key nobody has used gets a 503 `store_unavailable` with
// Retry-After (Anthropic's 529 overloaded_error on /v1/messages), never a
// 500, and at once; a key used before is served with its last known limits
// (per minute, budget), a key revoked before is still refused, a static key
// is served; /readyz says so, and refuses readiness when asked to; every turn
// served is spooled. When it returns the gateway recovers by itself and
// writes the spool: the database then holds exactly one record per turn served.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyAdmin } from "../../src/access/key-admin.js";
import { openDatabase, type GatewayDatabase } from "../../src/storage/database.js";
import { KeyRepository } from "../../src/storage/key-repository.js";
import { UsageRepository } from "../../src/storage/usage-repository.js";
import { chatBody, startGateway, TEST_MODEL, TEST_OPERATOR, type TestGateway } from "../support/gateway.js";
import { postgresBinaries, startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.js";
import { toolCall } from "../support/tool-calls.js";
import { eventually, sampleValue } from "../support/wait-for.js";

const STATIC_KEY = "static-key-for-tests";
const ADMIN_KEY = "admin-key-for-the-outage-test";
const binaries = postgresBinaries();
const missing = "missing" in binaries ? binaries.missing : undefined;

describe.skipIf(missing !== undefined)(missing ? `a PostgreSQL outage (skipped: ${missing})` : "a PostgreSQL outage under a running gateway", () => {
  let server: PrivatePostgres;
  let dataDir: string;
  let gw: TestGateway;
  /** Another process's view of the same database: changes made there are not made through the gateway. */
  let elsewhere: GatewayDatabase;
  let servedTurns = 0;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    dataDir = await mkdtemp(join(tmpdir(), "cgw-outage-"));
    gw = await startGateway(
      { auth: "keys", apiKeys: [STATIC_KEY], adminKey: ADMIN_KEY },
      { database: { dataDir, databaseUrl: server.url }, store: { probeIntervalMs: 200, keyRefreshMs: 200 } },
    );
    elsewhere = await openDatabase({ dataDir, databaseUrl: server.url });
  }, 60_000);
  afterAll(async () => {
    await elsewhere?.close();
    await gw?.close();
    server?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const chat = async (key: string) => {
    const response = await gw.post("/v1/chat/completions", chatBody("hello"), { authorization: `Bearer ${key}` });
    if (response.status === 200) servedTurns++;
    return response;
  };
  const messages = (key: string) => gw.post("/v1/messages", { model: TEST_MODEL, max_tokens: 100, messages: [{ role: "user", content: "hello" }] }, { "x-api-key": key });
  const metric = async (sample: RegExp) => sampleValue(await (await gw.app.request("/metrics", { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text(), sample);
  const recordedTurns = async () => (await gw.usage.report({ groupBy: [] }))[0]?.requests ?? 0;
  const readyWhenRequired = async () => (await gw.app.request("/readyz?store=required")).status === 200;

  it("answers what it cannot serve with a 503 at once, serves what it can, and recovers by itself", async () => {
    // The per-minute count below must not cross a minute's end.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
    const used = await gw.keys.create({ name: "used before", rpm_limit: 3 });
    const budgeted = await gw.keys.create({ name: "budget", budget: { period: "month", tokens: 40 } });
    const unknown = await gw.keys.create({ name: "never used here" });
    const revoked = await gw.keys.create({ name: "revoked elsewhere" });
    for (const key of [used.key, budgeted.key, budgeted.key, revoked.key, STATIC_KEY]) expect((await chat(key)).status).toBe(200);
    // Revoked by another process (or the CLI): this gateway learns it from the database, not from its own admin call.
    await new KeyAdmin(new KeyRepository(elsewhere.db), new UsageRepository(elsewhere.db)).revoke(revoked.id, TEST_OPERATOR);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const recordedBefore = servedTurns;
    await eventually(async () => (await recordedTurns()) === recordedBefore, 5_000);

    server.stop();
    // Refused at once, not after waiting on the dead server (a connection attempt may take 5 s).
    let started = performance.now();
    const refused = await chat(unknown.key);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect((await refused.json()).error).toMatchObject({ code: "store_unavailable", type: "server_error" });
    started = performance.now();
    const anthropic = await messages(unknown.key);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(anthropic.status).toBe(529);
    expect(anthropic.headers.get("retry-after")).toBe("5");
    expect((await anthropic.json()).error.type).toBe("overloaded_error");

    expect((await chat(used.key)).status).toBe(200);
    expect((await chat(STATIC_KEY)).status).toBe(200);
    expect((await messages(used.key)).status).toBe(200);
    servedTurns++;
    // Its last known limits: 3 a minute (one was before the outage, two now), then 429.
    const overRate = await chat(used.key);
    expect(overRate.status).toBe(429);
    expect((await overRate.json()).error.code).toBe("rate_limit_exceeded");
    // 36 of 40 tokens spent before: one more turn (→ 54, spooled), then the budget holds.
    expect((await chat(budgeted.key)).status).toBe(200);
    const overBudget = await chat(budgeted.key);
    expect(overBudget.status).toBe(429);
    expect((await overBudget.json()).error.code).toBe("insufficient_quota");
    const stillRevoked = await chat(revoked.key);
    expect(stillRevoked.status).toBe(401);
    expect((await stillRevoked.json()).error.message).toMatch(/revoked/);
    const admin = await gw.app.request("/admin/keys", { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(admin.status).toBe(503);
    expect((await admin.json()).error.code).toBe("store_unavailable");

    const spooledTurns = servedTurns - recordedBefore;
    await eventually(async () => (await metric(/^copilot_gateway_records_spooled_total\{kind="usage",where="disk"\}/)) === spooledTurns, 3_000);
    const ready = await gw.app.request("/readyz");
    expect(ready.status).toBe(200);
    expect((await ready.json()).store).toMatchObject({ kind: "postgres", status: "unavailable", spooled_records: spooledTurns });
    const draining = await gw.app.request("/readyz?store=required");
    expect(draining.status).toBe(503);
    expect((await draining.json()).error.code).toBe("store_unavailable");
    expect(await metric(/^copilot_gateway_store_available /)).toBe(0);
    expect(await metric(/^copilot_gateway_store_outages_total /)).toBe(1);
    expect(await metric(/^copilot_gateway_store_fallbacks_total\{what="key"\}/)).toBeGreaterThanOrEqual(4);

    // The tool-call audit is spooled the same way (as admission writes it when a turn's server-side call ends).
    await gw.toolCalls.record(toolCall({ requestId: "req_during_outage", at: Date.now() }));
    expect(gw.stores.spool.size).toBe(spooledTurns + 1);

    server.start();
    const restarted = performance.now();
    await eventually(readyWhenRequired, 10_000);
    const recoveryMs = performance.now() - restarted;
    expect((await chat(unknown.key)).status).toBe(200);
    await eventually(async () => gw.stores.spool.size === 0 && (await recordedTurns()) === servedTurns, 10_000);
    expect(await metric(/^copilot_gateway_spooled_records_written_total\{kind="usage"\}/)).toBe(spooledTurns);
    expect(await metric(/^copilot_gateway_store_available /)).toBe(1);
    expect((await gw.toolCalls.list({})).filter((call) => call.requestId === "req_during_outage")).toHaveLength(1);
    expect(await metric(/^copilot_gateway_spooled_records_written_total\{kind="tool_call"\}/)).toBe(1);
    expect(await readdir(join(dataDir, "spool"))).toEqual([]);
    // The budget counts the spooled turn now that it is written: 54 of 40.
    expect((await chat(budgeted.key)).status).toBe(429);
    console.log(`store outage: recovered ${Math.round(recoveryMs)} ms after PostgreSQL started; ${servedTurns} turns served, ${await recordedTurns()} recorded`);
  }, 60_000);

  it("with the key window at 0, serves no virtual key during an outage", async () => {
    server.start();
    const ownDir = await mkdtemp(join(tmpdir(), "cgw-outage-"));
    const strict = await startGateway({ auth: "keys", apiKeys: [STATIC_KEY] }, { database: { dataDir: ownDir, databaseUrl: server.url }, store: { outageKeyWindowMs: 0, probeIntervalMs: 200 } });
    try {
      const { key } = await strict.keys.create({ name: "used, then the outage" });
      const post = (presented: string) => strict.post("/v1/chat/completions", chatBody("hello"), { authorization: `Bearer ${presented}` });
      expect((await post(key)).status).toBe(200);
      server.stop();
      const refused = await post(key);
      expect(refused.status).toBe(503);
      expect((await refused.json()).error.code).toBe("store_unavailable");
      expect((await post(STATIC_KEY)).status).toBe(200);
    } finally {
      server.start();
      await strict.close();
      await rm(ownDir, { recursive: true, force: true });
    }
  }, 60_000);
});
