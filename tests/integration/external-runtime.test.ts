// The gateway on a shared headless runtime (COPILOT_CLI_URL) instead of its
// own embedded one, including that runtime going away and coming back.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/pino-logger.js";
import { chatBody, readSseData, startGateway, type TestGateway } from "../support/gateway.js";
import { startHeadlessRuntime, type HeadlessRuntime } from "../support/headless.js";
import { echoResponder } from "../support/upstream.js";

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
  expect(await ready.json()).toMatchObject({ status: "ready", runtime: `external ${headless.url}` });
});

it("ends a turn in flight when the external runtime goes away, says not ready, and reconnects when it is back", async () => {
  gw.upstream.respond(() => ({ steps: [{ delayMs: 20_000 }, { text: "too late" }] }));
  const pending = gw.post("/v1/chat/completions", chatBody("anyone?"));
  await new Promise((resolve) => setTimeout(resolve, 700));
  const port = Number(headless.url.split(":").at(-1));
  headless.process.kill("SIGKILL");
  const lost = await pending;
  expect(lost.status).toBe(503);
  expect(((await lost.json()) as { error: { code: string } }).error.code).toBe("runtime_lost");

  const ready = await gw.app.request("/readyz");
  expect(ready.status).toBe(503);
  const body = (await ready.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("runtime_unavailable");
  expect(body.error.message).toContain(headless.url);
  // Asked while it is away: a 503 to retry in a moment, after a short wait for it, not a hang.
  const meanwhile = await gw.post("/v1/chat/completions", chatBody("still there?"));
  expect(meanwhile.status).toBe(503);
  expect(meanwhile.headers.get("retry-after")).toBe("2");
  expect(((await meanwhile.json()) as { error: { code: string } }).error.code).toBe("runtime_unavailable");

  // The same server comes back where it was: the gateway reconnects on its own.
  headless = await startHeadlessRuntime({ port });
  gw.upstream.respond(echoResponder);
  let status = 0;
  for (let attempt = 0; attempt < 200 && status !== 200; attempt++) {
    status = (await gw.app.request("/readyz")).status;
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(status).toBe(200);
  expect((await gw.post("/v1/chat/completions", chatBody("back"))).status).toBe(200);
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
