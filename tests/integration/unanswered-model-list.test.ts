// The runtime's model list, on the Copilot path (not BYOK), is asked for on
// a request's way to its turn: a listing the runtime never answers must end
// that request with a 503 saying so, not hold it for good.
import { CopilotClient } from "@github/copilot-sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MODEL_LIST_TIMEOUT_MS } from "../../src/runtime/runtime-process.js";
import { startGateway, type CopilotTestGateway } from "../support/gateway.js";
import { startScriptedGitHub, type ScriptedGitHub } from "../support/github-api.js";
import { holdCalls } from "../support/held-calls.js";

const GATEWAY_TOKEN = "gho_gatewayOwnTOKENlistsModels01";
/** The listing's bound, the check that the runtime still answers at all (a ping, 2 s), and a busy machine's lateness. */
const ANSWERED_WITHIN_MS = MODEL_LIST_TIMEOUT_MS + 2_000 + 1_000;

let github: ScriptedGitHub;
let gateway: CopilotTestGateway;
beforeAll(async () => {
  github = await startScriptedGitHub({ tokens: { [GATEWAY_TOKEN]: "gateway-bot" } });
  gateway = await startGateway({ turnTimeoutMs: 5_000, bodyLimitBytes: 1 << 20, maxSessions: 10 }, { copilot: { github, token: GATEWAY_TOKEN } });
});
afterAll(async () => {
  await gateway?.close();
  await github?.close();
});

const chat = () => gateway.post("/v1/chat/completions", { model: "gpt-scripted", messages: [{ role: "user", content: "hi" }] });

it("answers a request whose model list the runtime never gives with a 503, and serves once it does", async () => {
  const listings = holdCalls(CopilotClient.prototype, "listModels");
  let answered: Response;
  const started = Date.now();
  try {
    answered = await chat();
  } finally {
    listings.letThrough();
  }
  expect(Date.now() - started).toBeLessThan(ANSWERED_WITHIN_MS);
  expect(answered.status).toBe(503);
  expect(((await answered.json()) as { error: { code: string } }).error.code).toBe("models_unavailable");
  expect(listings.count).toBeGreaterThan(0);

  expect((await chat()).status).toBe(200);
}, ANSWERED_WITHIN_MS + 15_000);
