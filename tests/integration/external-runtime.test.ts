// The gateway on a shared headless runtime (COPILOT_CLI_URL) instead of its
// own embedded one, including that runtime going away and coming back.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/http/logger.js";
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

describe("seeding on an external runtime", () => {
  const history = {
    model: "test-model",
    messages: [
      { role: "user", content: "first" },
      { role: "assistant", content: "one" },
      { role: "user", content: "second" },
    ],
  };

  it("seeds through the COPILOT_HOME the gateway shares with the runtime", async () => {
    const home = await mkdtemp(join(tmpdir(), "cgw-shared-home-"));
    const shared = await startHeadlessRuntime({ home });
    const gateway = await startGateway({}, { externalRuntimeUrl: shared.url, runtimeHome: home });
    try {
      const response = await gateway.post("/v1/chat/completions", history);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-copilot-session-origin")).toBe("seeded");
      expect(gateway.upstream.calls[0]!.request.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    } finally {
      await gateway.close();
      await shared.stop();
      await rm(home, { recursive: true, force: true });
    }
  });

  it("without a shared COPILOT_HOME, flattens the history, says why in the log, and still answers", async () => {
    const logged: string[] = [];
    const logger = createLogger("debug", (line) => logged.push(line));
    const runtime = await startHeadlessRuntime();
    const gateway = await startGateway({}, { externalRuntimeUrl: runtime.url, logger });
    try {
      const response = await gateway.post("/v1/chat/completions", history);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-copilot-session-origin")).toBe("flattened");
      expect(gateway.upstream.calls[0]!.request.messages.map((m) => m.role)).toEqual(["user"]);
      expect(logged.some((line) => line.includes("history flattened") && line.includes("COPILOT_RUNTIME_HOME"))).toBe(true);
    } finally {
      await gateway.close();
      await runtime.stop();
    }
  });
});
