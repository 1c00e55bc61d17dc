// The gateway on a shared headless runtime (COPILOT_CLI_URL) instead of its
// own embedded one, including that runtime going away and coming back.
import { afterAll, beforeAll, expect, it } from "vitest";
import { chatBody, readSseData, startGateway, type TestGateway } from "../support/gateway.js";
import { startHeadlessRuntime, type HeadlessRuntime } from "../support/headless.js";

let headless: HeadlessRuntime;
let gw: TestGateway;
beforeAll(async () => {
  headless = await startHeadlessRuntime();
  gw = await startGateway({}, { externalRuntimeUrl: headless.url });
});
afterAll(async () => {
  await gw.close();
  await headless.stop();
});

it("streams a completion through an external headless runtime", async () => {
  const data = await readSseData(await gw.post("/v1/chat/completions", chatBody("over tcp", { stream: true })));
  const text = data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d).choices[0]?.delta?.content ?? "").join("");
  expect(text).toBe("echo: over tcp");
  expect(data.at(-1)).toBe("[DONE]");
  const ready = await gw.app.request("/readyz");
  expect(await ready.json()).toEqual({ status: "ready", runtime: `external ${headless.url}` });
});

it("reports not ready with a reason when the external runtime is gone", async () => {
  await headless.stop();
  const ready = await gw.app.request("/readyz");
  expect(ready.status).toBe(503);
  const body = (await ready.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("runtime_unavailable");
  expect(body.error.message).toContain(headless.url);
  const chat = await gw.post("/v1/chat/completions", chatBody("anyone?"));
  expect(chat.status).toBeGreaterThanOrEqual(500);
  expect(((await chat.json()) as { error: { message: string } }).error.message).toMatch(/runtime/i);
});
