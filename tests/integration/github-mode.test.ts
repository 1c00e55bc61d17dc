// Without BYOK the runtime needs a GitHub login. On a machine with none, the
// gateway must say so plainly: not ready, and no models, with the reason.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../../src/http/app.js";
import { CopilotRuntime } from "../../src/runtime/runtime-pool.js";

let runtime: CopilotRuntime;
let dataDir: string;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "cgw-gh-"));
  // An empty HOME and no token variables: nobody is signed in, whatever this machine has.
  const env = { PATH: process.env.PATH, HOME: dataDir, XDG_CONFIG_HOME: join(dataDir, "config") };
  runtime = new CopilotRuntime({ connection: { kind: "embedded" }, dataDir, modelsTtlMs: 0, env });
  await runtime.start();
  app = createApp({
    runtime,
    config: { apiKeys: [], corsOrigins: [], keepAliveMs: 15_000, turnTimeoutMs: 5_000, bodyLimitBytes: 1 << 20, strictOpenAI: false, maxSessions: 10, sessionTtlMs: 60_000 },
  });
});
afterAll(async () => {
  await runtime.stop();
  await rm(dataDir, { recursive: true, force: true });
});

it("is not ready, and says it is not signed in", async () => {
  const response = await app.request("/readyz");
  expect(response.status).toBe(503);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("runtime_unavailable");
  expect(body.error.message).toMatch(/not signed in/i);
});

it("answers model and chat requests with 503 and the reason, not a 500", async () => {
  const models = await app.request("/v1/models");
  expect(models.status).toBe(503);
  const chat = await app.request("/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "hi" }] }),
  });
  expect(chat.status).toBe(503);
  expect(((await chat.json()) as { error: { code: string } }).error.code).toBe("models_unavailable");
});
