// The embedded runtime is a child process: when it dies, the gateway starts a
// new one on the next request instead of failing until someone restarts it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { runtimeChildren } from "../support/runtime-children.js";
import { echoResponder } from "../support/upstream.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

it("restarts a runtime that was killed and answers the next request", async () => {
  expect((await gw.post("/v1/chat/completions", chatBody("before"))).status).toBe(200);
  const [pid] = runtimeChildren();
  expect(pid).toBeGreaterThan(0);
  process.kill(pid!, "SIGKILL");
  await new Promise((resolve) => setTimeout(resolve, 200));

  const response = await gw.post("/v1/chat/completions", chatBody("after"));
  expect(response.status).toBe(200);
  expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("echo: after");
  const [newPid] = runtimeChildren();
  expect(newPid).toBeGreaterThan(0);
  expect(newPid).not.toBe(pid);
  expect((await gw.app.request("/readyz")).status).toBe(200);
});

/** The `data:` payloads of an SSE stream as they arrive, and when it ended. */
async function readStream(response: Response, onFrame: (data: string) => void): Promise<number> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return performance.now();
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (frame.startsWith("data: ")) onFrame(frame.slice(6));
    }
  }
}

async function readyWithin(ms: number): Promise<{ sawNotReady: boolean; readyAfterMs: number }> {
  const started = performance.now();
  let sawNotReady = false;
  while (performance.now() - started < ms) {
    const status = (await gw.app.request("/readyz")).status;
    if (status === 503) sawNotReady = true;
    if (status === 200) return { sawNotReady, readyAfterMs: performance.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { sawNotReady, readyAfterMs: Infinity };
}

it("ends a stream in flight at once when the runtime is killed, is not ready until a new one answers, and the conversation goes on seeded", async () => {
  gw.upstream.respond(() => ({ steps: [{ text: "part one" }, { delayMs: 20_000 }, { text: " never sent" }] }));
  const restartsBefore = gw.runtime.restarts;
  const response = await gw.post("/v1/chat/completions", chatBody("first", { stream: true }));
  expect(response.status).toBe(200);
  const frames: string[] = [];
  let killedAt = 0;
  const ended = readStream(response, (data) => {
    frames.push(data);
    if (killedAt === 0 && data.includes("part one")) {
      killedAt = performance.now();
      for (const pid of runtimeChildren()) process.kill(pid, "SIGKILL");
    }
  });
  const endedAt = await ended;
  const readiness = await readyWithin(10_000);
  console.info(`runtime killed mid-stream: stream ended after ${Math.round(endedAt - killedAt)} ms; ready again after ${Math.round(readiness.readyAfterMs)} ms`);
  expect(killedAt).toBeGreaterThan(0);
  expect(endedAt - killedAt).toBeLessThan(2_000);
  const error = JSON.parse(frames.at(-2) === "[DONE]" ? frames.at(-3)! : frames.at(-1)!) as { error?: { code: string } };
  expect(error.error?.code).toBe("runtime_lost");
  expect(readiness.readyAfterMs).toBeLessThan(5_000);
  expect(gw.runtime.restarts).toBe(restartsBefore + 1);

  gw.upstream.respond(echoResponder);
  const next = await gw.post("/v1/chat/completions", {
    model: TEST_MODEL,
    messages: [
      { role: "user", content: "first" },
      { role: "assistant", content: "part one" },
      { role: "user", content: "second" },
    ],
  });
  expect(next.status).toBe(200);
  expect(next.headers.get("x-copilot-session-origin")).toBe("seeded");
  expect(gw.upstream.calls.at(-1)!.request.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
});

it("answers a turn not yet committed with a 503 and Retry-After when the runtime dies", async () => {
  gw.upstream.respond(() => ({ steps: [{ delayMs: 20_000 }, { text: "too late" }] }));
  const pending = gw.post("/v1/chat/completions", chatBody("waiting"));
  await new Promise((resolve) => setTimeout(resolve, 700));
  for (const pid of runtimeChildren()) process.kill(pid, "SIGKILL");
  const response = await pending;
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("2");
  expect((await response.json()).error.code).toBe("runtime_lost");
  gw.upstream.respond(echoResponder);
  expect((await readyWithin(10_000)).readyAfterMs).toBeLessThan(5_000);
  expect((await gw.post("/v1/chat/completions", chatBody("after"))).status).toBe(200);
});

describe("a runtime that stops answering", () => {
  let hung: TestGateway;
  /** The first gateway's runtime, which this test leaves alone. */
  let others: number[];
  beforeAll(async () => {
    others = runtimeChildren();
    hung = await startGateway({}, { heartbeat: { intervalMs: 300, timeoutMs: 300, failures: 3 } });
  });
  afterAll(() => hung.close());

  it("is noticed by its missed heartbeats and replaced, and its turns end", async () => {
    hung.upstream.respond(() => ({ steps: [{ delayMs: 20_000 }, { text: "too late" }] }));
    const pending = hung.post("/v1/chat/completions", chatBody("stuck"));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [pid] = runtimeChildren().filter((child) => !others.includes(child));
    // Stopped, not dead: its connection stays open and it never answers.
    process.kill(pid!, "SIGSTOP");
    const started = performance.now();
    const response = await pending;
    expect(response.status).toBe(503);
    expect((await response.json()).error.code).toBe("runtime_lost");
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(hung.runtime.restarts).toBe(1);
    hung.upstream.respond(echoResponder);
    expect((await hung.post("/v1/chat/completions", chatBody("after"))).status).toBe(200);
    expect(runtimeChildren()).not.toContain(pid);
  });
});
