// Keys mode on the gateway's own Copilot identity (not BYOK): the runtime
// reports AI credits for every turn, so a key's budget in credits holds.
// The real non-BYOK path, against the scripted GitHub and Copilot API.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { KeyAdmin } from "../../src/access/key-admin.js";
import { createApp } from "../../src/http/app.js";
import { CopilotRuntime } from "../../src/runtime/runtime-pool.js";
import { openDatabase, type GatewayDatabase } from "../../src/storage/database.js";
import { KeyRepository } from "../../src/storage/key-repository.js";
import { UsageRepository } from "../../src/storage/usage-repository.js";
import { startScriptedGitHub, type ScriptedGitHub } from "../support/github-api.js";
import { observeConformance } from "../support/spec-conformance.js";
import { sleep } from "../support/upstream.js";

const GATEWAY_TOKEN = "gho_gatewayOwnTOKENabcdef0123";
let github: ScriptedGitHub;
let runtime: CopilotRuntime;
let dataDir: string;
let database: GatewayDatabase;
let app: ReturnType<typeof createApp>;
let keys: KeyAdmin;

beforeAll(async () => {
  github = await startScriptedGitHub({ tokens: { [GATEWAY_TOKEN]: "gateway-bot" } });
  dataDir = await mkdtemp(join(tmpdir(), "cgw-copilot-keys-"));
  database = await openDatabase({ dataDir });
  const env = { PATH: process.env.PATH, HOME: dataDir, XDG_CONFIG_HOME: join(dataDir, "config"), ...github.env };
  runtime = new CopilotRuntime({ connection: { kind: "embedded" }, dataDir, modelsTtlMs: 60_000, githubToken: GATEWAY_TOKEN, env });
  await runtime.start();
  const keyStore = new KeyRepository(database.db);
  const usage = new UsageRepository(database.db);
  keys = new KeyAdmin(keyStore, usage);
  app = createApp({
    runtime,
    config: { auth: "keys", apiKeys: [], corsOrigins: [], keepAliveMs: 15_000, turnTimeoutMs: 20_000, bodyLimitBytes: 1 << 20, strictOpenAI: false, maxSessions: 20, sessionTtlMs: 60_000 },
    keys: keyStore,
    usage,
  });
  app.fetch = observeConformance(app.fetch);
});
afterAll(async () => {
  await runtime?.stop();
  await database?.close();
  await github?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it("stops a key at its budget in AI credits, as the runtime counted them", async () => {
  // The scripted Copilot charges 1,000 nano-AIU a token: one turn of ~18 tokens spends ~0.000018 credits.
  const { id, key } = await keys.create({ name: "credits", budget: { period: "month", credits: 0.00001 } });
  const chat = () =>
    app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "gpt-scripted", messages: [{ role: "user", content: "spend" }] }),
    });
  expect((await chat()).status).toBe(200);
  expect(github.chatCalls().at(-1)?.login).toBe("gateway-bot");
  let spent = 0;
  for (let attempt = 0; attempt < 50 && spent === 0; attempt++) {
    spent = (await keys.show(id))!.spent!.credits;
    if (spent === 0) await sleep(50);
  }
  expect(spent).toBeGreaterThan(0.00001);
  const refused = await chat();
  expect(refused.status).toBe(429);
  expect((await refused.json()).error).toMatchObject({ code: "insufficient_quota", message: expect.stringMatching(/AI credits/) });
  expect(github.chatCalls()).toHaveLength(1);
});
