// What clients see when the model provider fails, and what the provider sees
// when the client goes away.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, readSseData, startGateway, type TestGateway } from "../support/gateway.js";
import { waitFor } from "../support/wait-for.js";

// Two gateways: one with the default deadline, for what must not depend on
// how fast this machine opens a session (a 429 is passed on at once, not at
// a deadline: on a loaded machine a short one could strike first), and one
// with a short deadline for the cases that are about the deadline.
let gw: TestGateway;
let deadlined: TestGateway;
let baseUrl: string;
beforeAll(async () => {
  [gw, deadlined] = await Promise.all([startGateway(), startGateway({ turnTimeoutMs: 2_500 })]);
  baseUrl = await gw.listen();
});
afterAll(async () => {
  await Promise.all([gw.close(), deadlined.close()]);
});
beforeEach(() => {
  gw.upstream.reset();
  deadlined.upstream.reset();
});

describe("an upstream 429", () => {
  it("reaches a non-streaming client at once as a 429 with Retry-After", async () => {
    gw.upstream.respond(() => ({ status: 429, body: { error: { message: "slow down", type: "rate_limit" } } }));
    const response = await gw.post("/v1/chat/completions", chatBody("hi"));
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(Number(response.headers.get("retry-after-ms"))).toBeGreaterThan(0);
    const body = (await response.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    expect(body.error.message).toContain("slow down");
    // At once, not at the turn's deadline after the runtime's retries: one call upstream, and no "still failing" wording.
    expect(body.error.message).not.toContain("still failing");
    expect(gw.upstream.calls).toHaveLength(1);
  });

  it("reaches a streaming client as a 429 response, not a 200 stream", async () => {
    gw.upstream.respond(() => ({ status: 429 }));
    const response = await gw.post("/v1/chat/completions", chatBody("hi", { stream: true }));
    expect(response.status).toBe(429);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(response.headers.get("retry-after")).not.toBeNull();
  });
});

describe("an upstream that keeps failing", () => {
  it("gives a non-streaming client a 502 within the gateway's deadline, never a hang", async () => {
    deadlined.upstream.respond(() => ({ status: 500, body: { error: { message: "boom", type: "server_error" } } }));
    const started = Date.now();
    const response = await deadlined.post("/v1/chat/completions", chatBody("hi"));
    const elapsed = Date.now() - started;
    expect(response.status).toBe(502);
    expect(elapsed).toBeGreaterThan(2_000);
    expect(elapsed).toBeLessThan(6_000);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("server_error");
    expect(body.error.message).toContain("boom");
    // The runtime retried before the deadline struck.
    expect(deadlined.upstream.calls.length).toBeGreaterThan(1);
  });

  it("ends a committed stream with an error frame: no finish_reason, no [DONE]", async () => {
    deadlined.upstream.respond(() => ({ status: 503 }));
    const response = await deadlined.post("/v1/chat/completions", chatBody("hi", { stream: true }));
    expect(response.status).toBe(200);
    const data = await readSseData(response);
    expect(JSON.parse(data[0]!).choices[0].delta.role).toBe("assistant");
    const last = JSON.parse(data.at(-1)!) as { error: { message: string; type: string; param: null; code: string } };
    expect(last.error).toMatchObject({ type: "server_error", param: null, code: "upstream_error" });
    expect(data).not.toContain("[DONE]");
    expect(data.some((d) => d.includes('"finish_reason":"stop"'))).toBe(false);
  });
});

describe("the gateway's deadline", () => {
  it("fails a model that does not start answering in time with 504", async () => {
    deadlined.upstream.respondInOrder({ steps: [{ delayMs: 5_000 }, { text: "too late" }] });
    const response = await deadlined.post("/v1/chat/completions", chatBody("hi"));
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("upstream_timeout");
    await expect(deadlined.upstream.calls[0]!.aborted).resolves.toBe(true);
  });

  it("lets an answer that has started pause for longer than the deadline", async () => {
    deadlined.upstream.respondInOrder({ steps: [{ text: "thinking out loud" }, { delayMs: 3_500 }, { text: ", done" }] });
    const data = await readSseData(await deadlined.post("/v1/chat/completions", chatBody("hi", { stream: true })));
    expect(data.at(-1)).toBe("[DONE]");
    const text = data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d).choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe("thinking out loud, done");
  });
});

describe("a failure mid-stream", () => {
  it("delivers what came before, then an error frame instead of a fake finish", async () => {
    gw.upstream.respond(() => ({ steps: [{ text: "partial answer" }, { delayMs: 100 }, { cut: true }] }));
    const response = await gw.post("/v1/chat/completions", chatBody("hi", { stream: true }));
    expect(response.status).toBe(200);
    const data = await readSseData(response);
    const text = data
      .filter((d) => d.startsWith('{"id"'))
      .map((d) => JSON.parse(d).choices[0]?.delta?.content ?? "")
      .join("");
    expect(text).toBe("partial answer");
    expect(JSON.parse(data.at(-1)!).error.type).toBe("server_error");
    expect(data).not.toContain("[DONE]");
    // Output had been sent, so the gateway did not let the runtime retry (which would repeat it).
    expect(gw.upstream.calls).toHaveLength(1);
  });
});

describe("a client that disconnects", () => {
  it("aborts the model call upstream", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "first" }, { delayMs: 10_000 }, { text: "never" }] });
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(chatBody("hi", { stream: true })),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let seen = "";
    while (!seen.includes("first")) seen += new TextDecoder().decode((await reader.read()).value);
    const abortedAt = Date.now();
    controller.abort();
    await expect(gw.upstream.calls[0]!.aborted).resolves.toBe(true);
    expect(Date.now() - abortedAt).toBeLessThan(1_500);
    // The gateway keeps serving.
    const next = await gw.post("/v1/chat/completions", chatBody("still there?"));
    expect(((await next.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("echo: still there?");
    await waitFor(() => gw.inflight.size === 0);
  });
});

