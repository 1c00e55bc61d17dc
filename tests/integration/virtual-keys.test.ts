// Keys mode end to end, on the real runtime and a real database (SQLite, and
// PostgreSQL when a server is there): a virtual key works beside a static
// one, is held to its models, its requests per minute, its turns in parallel
// and its budget, is refused the request after it is revoked, and every turn
// it runs leaves an exact usage record.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../support/databases.js";
import { chatBody, startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { echoResponder, sleep } from "../support/upstream.js";
import { waitFor } from "../support/wait-for.js";

const STATIC_KEY = "static-key-for-tests";

describe.each(DATABASE_KINDS)("virtual keys on %s", (kind) => {
  let database: TestDatabase;
  let gw: TestGateway;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    gw = await startGateway({ auth: "keys", apiKeys: [STATIC_KEY] }, { database: database.options });
  });
  afterAll(async () => {
    await gw.close();
    await database.dispose();
  });
  afterEach(() => gw.upstream.respond(echoResponder));

  const chat = (key: string, extra: Record<string, unknown> = {}) => gw.post("/v1/chat/completions", chatBody("hello", extra), { authorization: `Bearer ${key}` });
  const messages = (key: string) =>
    gw.post("/v1/messages", { model: TEST_MODEL, max_tokens: 100, messages: [{ role: "user", content: "hello" }] }, { "x-api-key": key });

  it("serves a virtual key beside the static one, and refuses what is neither", async () => {
    const { key } = await gw.keys.create({ name: "alice laptop", owner: "alice" });
    expect((await chat(key)).status).toBe(200);
    expect((await messages(key)).status).toBe(200);
    expect((await chat(STATIC_KEY)).status).toBe(200);
    const wrong = await chat(`${key}x`);
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(await wrong.json())).not.toContain(key);
  });

  it("refuses a key from the request after it is revoked, disabled or expired", async () => {
    const revoked = await gw.keys.create({ name: "to revoke" });
    expect((await chat(revoked.key)).status).toBe(200);
    await gw.keys.revoke(revoked.id);
    const refused = await chat(revoked.key);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.message).toMatch(/revoked/);

    const disabled = await gw.keys.create({ name: "to disable" });
    await gw.keys.update(disabled.id, { status: "disabled" });
    expect((await chat(disabled.key)).status).toBe(401);
    await gw.keys.update(disabled.id, { status: "active" });
    expect((await chat(disabled.key)).status).toBe(200);

    const expired = await gw.keys.create({ name: "expired", expires_at: new Date(Date.now() - 1000).toISOString() });
    const late = await messages(expired.key);
    expect(late.status).toBe(401);
    expect((await late.json()).error).toMatchObject({ type: "authentication_error", message: expect.stringMatching(/expired/) });
  });

  it("holds a key to its models: it lists only those and is told the others do not exist for it", async () => {
    const { key } = await gw.keys.create({ name: "one model", models: [TEST_MODEL] });
    const listed = await gw.app.request("/v1/models", { headers: { authorization: `Bearer ${key}` } });
    expect((await listed.json()).data.map((model: { id: string }) => model.id)).toEqual([TEST_MODEL]);
    const other = await chat(key, { model: "other-model" });
    expect(other.status).toBe(404);
    expect((await other.json()).error).toMatchObject({ code: "model_not_found", param: "model" });
    expect((await chat(STATIC_KEY, { model: "other-model" })).status).toBe(200);
  });

  it("records every turn with who, which model and API, and the runtime's own token counts", async () => {
    const { id, key } = await gw.keys.create({ name: "metered", owner: "bob" });
    gw.upstream.respond(() => ({ steps: [{ text: "counted" }], usage: { prompt_tokens: 123, completion_tokens: 45, reasoning_tokens: 6, cached_tokens: 100 } }));
    expect((await chat(key)).status).toBe(200);
    expect((await chat(key, { stream: true })).status).toBe(200);
    const stream = await chat(key, { stream: true });
    await stream.text();
    expect((await messages(key)).status).toBe(200);
    const rows = await waitForRecords(gw, id, 4);
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row).toMatchObject({ caller_kind: "key", caller: id, model: TEST_MODEL, status: "ok", estimated: 0 });
      expect(Number(row.input_tokens)).toBe(123);
      expect(Number(row.output_tokens)).toBe(45);
      expect(Number(row.cache_read_tokens)).toBe(100);
      expect(Number(row.reasoning_tokens)).toBe(6);
      expect(row.ttft_ms).not.toBeNull();
      expect(Number(row.duration_ms)).toBeGreaterThanOrEqual(Number(row.ttft_ms));
    }
    expect(rows.map((row) => row.dialect).sort()).toEqual(["chat_completions", "chat_completions", "chat_completions", "messages"]);
    const [report] = await gw.usage.report({ groupBy: ["owner"], from: Date.now() - 60_000 }).then((all) => all.filter((row) => row.group.owner === "bob"));
    expect(report).toMatchObject({ requests: 4, input_tokens: 492, output_tokens: 180 });
  });

  it("stops a key at its token budget with insufficient_quota, saying when it resets, in each API's shape", async () => {
    const { id, key } = await gw.keys.create({ name: "small budget", budget: { period: "day", tokens: 20 } });
    const callsBefore = gw.upstream.calls.length;
    gw.upstream.respond(() => ({ steps: [{ text: "spent" }], usage: { prompt_tokens: 15, completion_tokens: 10 } }));
    expect((await chat(key)).status).toBe(200);
    await waitForRecords(gw, id, 1);

    const refused = await chat(key);
    expect(refused.status).toBe(429);
    const midnight = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1)).toISOString();
    expect(await refused.json()).toEqual({
      error: { type: "insufficient_quota", code: "insufficient_quota", param: null, message: `Quota exceeded for this API key: it has used 25 of its 20 tokens for this day. It will reset at ${midnight}.` },
    });
    // No Retry-After: agents that honour one this far off sleep silently until it passes (opencode, Qwen Code).
    expect(refused.headers.get("retry-after")).toBeNull();
    expect(refused.headers.get("retry-after-ms")).toBeNull();
    expect(refused.headers.get("x-gateway-quota-reset")).toBe(midnight);
    expect(refused.headers.get("x-should-retry")).toBe("false");

    const anthropic = await messages(key);
    expect(anthropic.status).toBe(429);
    expect((await anthropic.json()).error.type).toBe("rate_limit_error");
    expect(gw.upstream.calls.length - callsBefore).toBe(1);

    // Raising the budget lets it go on at once.
    await gw.keys.update(id, { budget: { period: "day", tokens: 1000 } });
    expect((await chat(key)).status).toBe(200);
  });

  it("stops a key past its requests per minute with a 429 and a Retry-After within the minute", async () => {
    await awayFromMinuteEnd();
    const { key } = await gw.keys.create({ name: "slow", rpm_limit: 2 });
    expect((await chat(key)).status).toBe(200);
    expect((await chat(key)).status).toBe(200);
    const refused = await chat(key);
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe("rate_limit_exceeded");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it("stops a key past its turns in parallel, and lets it go on once one ends", async () => {
    const { key } = await gw.keys.create({ name: "one at a time", max_parallel: 1 });
    gw.upstream.respond(() => ({ steps: [{ delayMs: 1_500 }, { text: "slow" }] }));
    const callsBefore = gw.upstream.calls.length;
    const slow = chat(key);
    // The first turn holds the key's one slot once its model call has begun, however long this machine took to get there.
    await waitFor(() => gw.upstream.calls.length === callsBefore + 1, 15_000);
    const second = await chat(key);
    expect(second.status).toBe(429);
    expect((await second.json()).error.code).toBe("too_many_parallel_requests");
    expect((await slow).status).toBe(200);
    gw.upstream.respond(echoResponder);
    expect((await chat(key)).status).toBe(200);
  });

  it("counts only admitted turns in the requests per minute: one refused for parallelism does not use the minute up", async () => {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 15_000) await sleep(left + 50);
    const { key } = await gw.keys.create({ name: "five a minute, one at a time", rpm_limit: 5, max_parallel: 1 });
    gw.upstream.respond(() => ({ steps: [{ delayMs: 1_500 }, { text: "slow" }] }));
    const callsBefore = gw.upstream.calls.length;
    const slow = chat(key);
    await waitFor(() => gw.upstream.calls.length === callsBefore + 1, 15_000);
    // Refused for parallelism, four times: none of them counts.
    for (let i = 0; i < 4; i++) expect((await chat(key)).status).toBe(429);
    expect((await slow).status).toBe(200);
    gw.upstream.respond(echoResponder);
    // Four more are admitted (five in all), the sixth meets the limit.
    for (let i = 0; i < 4; i++) expect((await chat(key)).status).toBe(200);
    const limited = await chat(key);
    expect(limited.status).toBe(429);
    expect((await limited.json()).error.code).toBe("rate_limit_exceeded");
  });
});

describe("one key flooding the gateway", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ auth: "keys", maxTurns: 2, turnQueue: 4, queueWaitMs: 30_000 });
  });
  afterAll(() => gw.close());

  it("does not keep another key waiting longer than a slot takes to free", async () => {
    const flood = await gw.keys.create({ name: "flood" });
    const other = await gw.keys.create({ name: "other" });
    gw.upstream.respond(() => ({ steps: [{ delayMs: 800 }, { text: "done" }] }));
    const finished: string[] = [];
    const send = (name: string, key: string) =>
      gw.post("/v1/chat/completions", chatBody(`from ${name}`), { authorization: `Bearer ${key}` }).then((response) => {
        if (response.status === 200) finished.push(name);
        return response.status;
      });
    const callsBefore = gw.upstream.calls.length;
    const floodRequests = Array.from({ length: 6 }, () => send("flood", flood.key));
    // Both slots are taken by the flood (the rest of it queued behind them) before the newcomer comes.
    await waitFor(() => gw.upstream.calls.length === callsBefore + 2, 15_000);
    const otherStatus = await send("other", other.key);
    const floodStatuses = await Promise.all(floodRequests);
    expect(otherStatus).toBe(200);
    // Two flood turns ran and four waited (one of them turned away to make room); the newcomer's
    // turn went in when the first slot freed, ahead of the flood's queue: at most the two
    // running and the one let in beside it finish first.
    expect(finished.indexOf("other")).toBeLessThanOrEqual(3);
    expect(floodStatuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(4);
    expect(floodStatuses.every((status) => status === 200 || status === 503)).toBe(true);
  });
});

async function waitForRecords(gw: TestGateway, keyId: string, count: number) {
  // Records are written as each answer ends, a moment after the client has it.
  for (let attempt = 0; attempt < 50; attempt++) {
    const rows = await gw.database.db.selectFrom("usage_records").selectAll().where("key_id", "=", keyId).execute();
    if (rows.length >= count) return rows;
    await sleep(50);
  }
  throw new Error(`fewer than ${count} usage records for ${keyId}`);
}

/** Per-minute windows are calendar minutes: start a test well inside one. */
async function awayFromMinuteEnd(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await sleep(left + 50);
}
