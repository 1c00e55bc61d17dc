// Without BYOK the runtime needs a GitHub login. On a machine with none, the
// gateway must say so plainly: not ready, and no models, with the reason.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGateway, type CopilotTestGateway } from "../support/gateway.js";

let gateway: CopilotTestGateway;
beforeAll(async () => {
  // No scripted GitHub and no token: nobody is signed in, whatever this machine has.
  gateway = await startGateway({ turnTimeoutMs: 5_000, bodyLimitBytes: 1 << 20, maxSessions: 10 }, { copilot: {} });
});
afterAll(async () => {
  await gateway?.close();
});

it("is not ready, and says it is not signed in", async () => {
  const response = await gateway.app.request("/readyz");
  expect(response.status).toBe(503);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("runtime_unavailable");
  expect(body.error.message).toMatch(/not signed in/i);
});

it("answers model and chat requests with 503 and the reason, not a 500", async () => {
  const models = await gateway.app.request("/v1/models");
  expect(models.status).toBe(503);
  const chat = await gateway.app.request("/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }),
  });
  expect(chat.status).toBe(503);
  expect(((await chat.json()) as { error: { code: string } }).error.code).toBe("models_unavailable");
});
