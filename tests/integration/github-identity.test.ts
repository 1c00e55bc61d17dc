// GitHub mode end to end on the real non-BYOK path: the real runtime talks to
// a scripted GitHub and Copilot API on 127.0.0.1 (tests/support/github-api.ts).
// Each caller's own GitHub token is their credential; their sessions, model
// list and quota are their own; their usage is recorded under their login with
// the AI credits Copilot reported; the token is never kept or shown.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/pino-logger.js";
import { GitHubUsers } from "../../src/node/github-users.js";
import type { GatewayDatabase } from "../../src/storage/database.js";
import { UsageRepository } from "../../src/storage/usage-repository.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../support/databases.js";
import { startGateway, type CopilotTestGateway } from "../support/gateway.js";
import { startScriptedGitHub, type ScriptedGitHub } from "../support/github-api.js";
import { sleep } from "../support/upstream.js";

const ALICE = "gho_aliceTOKENabcdef0123456789";
const BOB = "gho_bobTOKENabcdef0123456789";
const NO_SEAT = "gho_noseatTOKENabcdef0123456789";

describe.each(DATABASE_KINDS)("github mode on %s", (kind) => {
  let github: ScriptedGitHub;
  let testDatabase: TestDatabase;
  let gateway: CopilotTestGateway;
  let app: CopilotTestGateway["app"];
  let database: GatewayDatabase;
  const logLines: string[] = [];

  beforeAll(async () => {
    github = await startScriptedGitHub({
      tokens: { [ALICE]: "alice", [BOB]: { login: "bob", models: ["gpt-scripted"] }, [NO_SEAT]: { login: "carol", copilot: false } },
    });
    testDatabase = await createTestDatabase(kind);
    // No identity of its own: each caller's token is their seat.
    gateway = await startGateway(
      { auth: "github", turnTimeoutMs: 20_000, bodyLimitBytes: 1 << 20, maxSessions: 20 },
      { copilot: { github }, database: testDatabase.options, logger: createLogger("debug", (line) => logLines.push(line)) },
    );
    ({ app, database } = gateway);
  });
  afterAll(async () => {
    await gateway?.close();
    await testDatabase?.dispose();
    await github?.close();
  });
  beforeEach(() => {
    github.requests.length = 0;
  });

  const chat = (token: string, content: string, extra: Record<string, unknown> = {}) =>
    app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: "gpt-scripted", messages: [{ role: "user", content }], ...extra }),
    });

  it("runs each caller's turns on their own seat, side by side", async () => {
    const [alice, bob] = await Promise.all([chat(ALICE, "hello from alice"), chat(BOB, "hello from bob")]);
    expect(alice.status).toBe(200);
    expect(bob.status).toBe(200);
    expect((await alice.json()).choices[0].message.content).toContain("hello from alice");
    expect((await bob.json()).choices[0].message.content).toContain("hello from bob");
    const calls = github.chatCalls();
    expect(calls.map((call) => call.login).sort()).toEqual(["alice", "bob"]);
    for (const call of calls) expect(call.token).toBe(call.login === "alice" ? ALICE : BOB);
    expect(alice.headers.get("x-copilot-session-id")).not.toBe(bob.headers.get("x-copilot-session-id"));
  });

  it("takes the token from the header each SDK sends: Claude Code's Bearer and the Anthropic SDK's x-api-key", async () => {
    for (const headers of [{ authorization: `Bearer ${ALICE}` }, { "x-api-key": ALICE }] as Array<Record<string, string>>) {
      const response = await app.request("/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
        body: JSON.stringify({ model: "gpt-scripted", max_tokens: 50, messages: [{ role: "user", content: "hi" }] }),
      });
      expect(response.status).toBe(200);
    }
    expect(github.chatCalls().every((call) => call.login === "alice")).toBe(true);
  });

  it("lists the models each identity may use, and refuses another instead of swapping it", async () => {
    const ids = async (token: string) => (await (await app.request("/v1/models", { headers: { authorization: `Bearer ${token}` } })).json()).data.map((m: { id: string }) => m.id);
    expect(await ids(ALICE)).toEqual(expect.arrayContaining(["gpt-scripted", "premium-scripted"]));
    const bobs = await ids(BOB);
    expect(bobs).toContain("gpt-scripted");
    expect(bobs).not.toContain("premium-scripted");
    const refused = await chat(BOB, "try the premium one", { model: "premium-scripted" });
    expect(refused.status).toBe(404);
    expect((await refused.json()).error.code).toBe("model_not_found");
    expect(github.chatCalls()).toHaveLength(0);
  });

  it("continues a caller's conversation on their session, and never hands it to another caller", async () => {
    const history = [
      { role: "user", content: "first question" },
      { role: "assistant", content: "echo: first question" },
      { role: "user", content: "second question" },
    ];
    const first = await chat(ALICE, "first question");
    const sessionOfAlice = first.headers.get("x-copilot-session-id");
    const answer = (await first.json()).choices[0].message.content as string;
    history[1] = { role: "assistant", content: answer };
    const body = (token: string) => ({
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: "gpt-scripted", messages: history }),
    });
    const again = await app.request("/v1/chat/completions", body(ALICE));
    expect(again.headers.get("x-copilot-session-id")).toBe(sessionOfAlice);
    expect(again.headers.get("x-copilot-session-origin")).toBe("continued");
    const bobWithAlicesHistory = await app.request("/v1/chat/completions", body(BOB));
    expect(bobWithAlicesHistory.status).toBe(200);
    expect(bobWithAlicesHistory.headers.get("x-copilot-session-id")).not.toBe(sessionOfAlice);
    expect(github.chatCalls().at(-1)?.login).toBe("bob");
  });

  it("refuses a token GitHub does not accept (401) and a user without a Copilot seat (403), in each API's shape", async () => {
    const unknown = await chat("gho_notATokenGitHubKnows", "hi");
    expect(unknown.status).toBe(401);
    expect((await unknown.json()).error.code).toBe("invalid_api_key");
    const anthropic = await app.request("/v1/messages", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "gho_notATokenGitHubKnows" },
      body: JSON.stringify({ model: "gpt-scripted", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(anthropic.status).toBe(401);
    expect((await anthropic.json()).error.type).toBe("authentication_error");
    const missing = await app.request("/v1/models");
    expect(missing.status).toBe(401);

    const noSeat = await chat(NO_SEAT, "hi");
    expect(noSeat.status).toBe(403);
    expect((await noSeat.json()).error.code).toBe("copilot_access_denied");
    expect(github.chatCalls()).toHaveLength(0);
  });

  it("asks GitHub who a token is once, not on every request", async () => {
    await chat(ALICE, "one");
    github.requests.length = 0;
    await chat(ALICE, "two");
    await chat(ALICE, "three");
    expect(github.requests.filter((request) => request.path === "/user")).toHaveLength(0);
    github.requests.length = 0;
    const fresh = new GitHubUsers({ apiUrl: github.url });
    await Promise.all([fresh.loginOf(BOB), fresh.loginOf(BOB), fresh.loginOf(BOB)]);
    expect(github.requests.filter((request) => request.path === "/user")).toHaveLength(1);
    // A client retrying its 401 (Codex does, five times) does not make each retry a call to GitHub.
    for (let attempt = 0; attempt < 3; attempt++) expect(await fresh.loginOf("gho_refusedTOKEN")).toBeUndefined();
    expect(github.requests.filter((request) => request.path === "/user")).toHaveLength(2);
  });

  it("records each turn under the caller's login with the tokens and AI credits Copilot reported", async () => {
    const from = Date.now();
    expect((await chat(ALICE, "metered", { model: "premium-scripted" })).status).toBe(200);
    const call = github.chatCalls().at(-1)!;
    expect(call.login).toBe("alice");
    let rows: Array<Record<string, unknown>> = [];
    for (let attempt = 0; attempt < 50 && rows.length === 0; attempt++) {
      rows = await database.db.selectFrom("usage_records").selectAll().where("started_at", ">=", from).where("model", "=", "premium-scripted").execute();
      if (rows.length === 0) await sleep(50);
    }
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({ caller_kind: "github", caller: "alice", key_id: null, status: "ok", estimated: 0, dialect: "chat_completions" });
    const input = Number(row.input_tokens);
    const output = Number(row.output_tokens);
    expect(input).toBeGreaterThan(0);
    // The scripted Copilot charges 1,000 nano-AIU a token and a multiplier of 1 for this model.
    expect(Number(row.nano_aiu)).toBe((input + output) * 1000);
    expect(Number(row.cost)).toBe(1);
    const [report] = await new UsageRepository(database.db).report({ groupBy: ["key", "model"], from });
    expect(report).toMatchObject({ group: { key: "alice", model: "premium-scripted" }, requests: 1, credits: ((input + output) * 1000) / 1e9 });
  });

  it("never writes a caller's token down: not in the database, the log or any answer", async () => {
    const response = await chat(ALICE, "secret-free");
    expect(await response.text()).not.toContain(ALICE);
    const rows = await database.db.selectFrom("usage_records").selectAll().execute();
    const stored = await database.db.selectFrom("stored_responses").selectAll().execute();
    for (const token of [ALICE, BOB, NO_SEAT]) {
      expect(JSON.stringify(rows)).not.toContain(token);
      expect(JSON.stringify(stored)).not.toContain(token);
      expect(logLines.join("\n")).not.toContain(token);
    }
  });
});
