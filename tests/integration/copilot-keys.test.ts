// Keys mode on the gateway's own Copilot identity (not BYOK): the runtime
// reports AI credits for every turn, so a key's budget in credits holds.
// The real non-BYOK path, against the scripted GitHub and Copilot API.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGateway, type CopilotTestGateway } from "../support/gateway.js";
import { startScriptedGitHub, type ScriptedGitHub } from "../support/github-api.js";
import { sleep } from "../support/upstream.js";

const GATEWAY_TOKEN = "gho_gatewayOwnTOKENabcdef0123";
let github: ScriptedGitHub;
let gateway: CopilotTestGateway;

beforeAll(async () => {
  github = await startScriptedGitHub({ tokens: { [GATEWAY_TOKEN]: "gateway-bot" } });
  gateway = await startGateway(
    { auth: "keys", turnTimeoutMs: 20_000, bodyLimitBytes: 1 << 20, maxSessions: 20 },
    { copilot: { github, token: GATEWAY_TOKEN } },
  );
});
afterAll(async () => {
  await gateway?.close();
  await github?.close();
});

it("stops a key at its budget in AI credits, as the runtime counted them", async () => {
  // The scripted Copilot charges 1,000 nano-AIU a token: one turn of ~18 tokens spends ~0.000018 credits.
  const { keys } = gateway;
  const { id, key } = await keys.create({ name: "credits", budget: { period: "month", credits: 0.00001 } });
  const chat = () => gateway.post("/v1/chat/completions", { model: "gpt-scripted", messages: [{ role: "user", content: "spend" }] }, { authorization: `Bearer ${key}` });
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
