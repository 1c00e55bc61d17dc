// Several gateway processes, one truth: two real gateway processes on one
// database (PostgreSQL, and SQLite sharing a data directory) enforce one
// budget and one per-minute limit spent through both (a budget even against
// 20 concurrent requests), refuse a key revoked
// through the other on the very next request, and report usage from both.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../support/databases.js";
import { TEST_MODEL } from "../support/gateway.js";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { ScriptedUpstream, sleep } from "../support/upstream.js";

const ADMIN_KEY = "admin-key-for-the-team-test";

describe.each(DATABASE_KINDS)("two gateway processes on one %s database", (kind) => {
  let upstream: ScriptedUpstream;
  let database: TestDatabase;
  let first: GatewayProcess;
  let second: GatewayProcess;

  beforeAll(async () => {
    upstream = await new ScriptedUpstream([TEST_MODEL]).start();
    database = await createTestDatabase(kind);
    const launch = () => startGatewayProcess({ upstreamUrl: upstream.baseUrl, database: database.options, env: { GATEWAY_ADMIN_KEY: ADMIN_KEY } });
    [first, second] = await Promise.all([launch(), launch()]);
    // Two gateway processes (each compiling its TypeScript and starting a runtime) beside the rest of the suite on 2 cores.
  }, 90_000);
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await upstream?.stop();
    await database?.dispose();
  });

  const admin = async (gateway: GatewayProcess, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.origin}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  };
  const chat = (gateway: GatewayProcess, key: string) =>
    fetch(`${gateway.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: "user", content: "hello" }] }),
    });
  /** What either process warned of: why a budget slipped, should one. */
  const warnings = () =>
    [first, second]
      .flatMap((gateway) => gateway.stderr().split("\n"))
      .filter((line) => /"level":"(warn|error)"/.test(line))
      .join("\n");
  /** A turn's record is written as its answer ends: wait until the key has this many. */
  const recorded = async (gateway: GatewayProcess, keyId: string, requests: number) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { json } = await admin(gateway, "GET", "/usage?group_by=key");
      const row = (json.data as Array<{ group: { key: string }; requests: number }>).find((entry) => entry.group.key === keyId);
      if ((row?.requests ?? 0) >= requests) return;
      await sleep(50);
    }
    throw new Error(`${keyId} never reached ${requests} recorded requests`);
  };

  it("enforces one budget spent through both processes", async () => {
    // Every scripted (echo) turn costs 11 + 7 tokens: the third takes the key past 40.
    const created = await admin(first, "POST", "/keys", { name: "shared budget", budget: { period: "month", tokens: 40 } });
    expect(created.status).toBe(201);
    const { id, key } = created.json as { id: string; key: string };
    let turns = 0;
    for (const gateway of [first, second, first]) {
      expect((await chat(gateway, key)).status).toBe(200);
      await recorded(second, id, ++turns);
    }
    for (const gateway of [second, first]) {
      const refused = await chat(gateway, key);
      expect(refused.status, warnings()).toBe(429);
      expect((await refused.json()).error.code).toBe("insufficient_quota");
    }
    const shown = await admin(second, "GET", `/keys/${id}`);
    expect(shown.json.spent.tokens).toBe(54);
  });

  it("holds a budget against 20 concurrent requests through both processes: one turn's overshoot at most", async () => {
    // Every echo turn costs 18 tokens, the whole budget and more: only one may run.
    const { json } = await admin(first, "POST", "/keys", { name: "ten tokens", budget: { period: "day", tokens: 10 } });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => chat(i % 2 === 0 ? first : second, json.key)));
    const statuses = answers.map((answer) => answer.status);
    await Promise.all(answers.map((answer) => answer.text()));
    expect(statuses.filter((status) => status === 200), warnings()).toHaveLength(1);
    expect(statuses.filter((status) => status === 429)).toHaveLength(19);
    await recorded(second, json.id, 1);
    const shown = await admin(second, "GET", `/keys/${json.id}`);
    expect(shown.json.spent.tokens).toBe(18);
  });

  it("lets turns run side by side while their estimates fit, then one at a time for the last of the budget", async () => {
    // Each turn holds its prompt (~2 tokens) and max_tokens 20: 22; each costs 18. 100 tokens: four at once
    // (88 held), a fifth once they are recorded (72 + 22), a sixth alone for the last of it (90 spent), then none.
    const { json } = await admin(first, "POST", "/keys", { name: "a hundred tokens", budget: { period: "day", tokens: 100 } });
    const capped = (gateway: GatewayProcess) =>
      fetch(`${gateway.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${json.key}` },
        body: JSON.stringify({ model: TEST_MODEL, max_tokens: 20, messages: [{ role: "user", content: "hello" }] }),
      });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => capped(i % 2 === 0 ? first : second)));
    const statuses = answers.map((answer) => answer.status);
    await Promise.all(answers.map((answer) => answer.text()));
    expect(statuses.filter((status) => status === 200)).toHaveLength(6);
    await recorded(second, json.id, 6);
    expect((await admin(second, "GET", `/keys/${json.id}`)).json.spent.tokens).toBe(108);
  });

  it("refuses a key revoked through one process on the other's next request", async () => {
    const { json } = await admin(first, "POST", "/keys", { name: "to revoke" });
    expect((await chat(second, json.key)).status).toBe(200);
    expect((await admin(first, "DELETE", `/keys/${json.id}`)).json.status).toBe("revoked");
    const refused = await chat(second, json.key);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.message).toMatch(/revoked/);
  });

  it("counts one key's requests per minute across both processes", async () => {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 10_000) await sleep(left + 50);
    const { json } = await admin(second, "POST", "/keys", { name: "three a minute", rpm_limit: 3 });
    for (const gateway of [first, second, first]) expect((await chat(gateway, json.key)).status).toBe(200);
    const refused = await chat(second, json.key);
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe("rate_limit_exceeded");
  });

  it("reports the turns of both processes in one usage report", async () => {
    const { json } = await admin(second, "POST", "/keys", { name: "reported", owner: "dana" });
    expect((await chat(first, json.key)).status).toBe(200);
    expect((await chat(second, json.key)).status).toBe(200);
    await recorded(first, json.id, 2);
    for (const gateway of [first, second]) {
      const report = await admin(gateway, "GET", "/usage?group_by=owner,model");
      expect(report.json.data).toContainEqual(expect.objectContaining({ group: { owner: "dana", model: TEST_MODEL }, requests: 2, input_tokens: 22, output_tokens: 14 }));
    }
  });
});
