// POST /v1/responses over HTTP, end to end: real runtime, scripted upstream.
// The wire surface: SSE framing and headers, keep-alives, the commit point
// (a real status before it, response.failed after it), client aborts, and the
// JSON body.
import { createParser } from "eventsource-parser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { waitFor } from "../support/wait-for.js";

let gw: TestGateway;
let baseUrl: string;

beforeAll(async () => {
  gw = await startGateway({ keepAliveMs: 100 });
  baseUrl = await gw.listen();
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => gw.upstream.reset());

interface Event {
  event: string;
  data: Record<string, any>;
}

async function eventsOf(response: Response): Promise<{ events: Event[]; raw: string }> {
  const raw = await response.text();
  const events: Event[] = [];
  const parser = createParser({ onEvent: (message) => events.push({ event: message.event ?? "", data: JSON.parse(message.data) }) });
  parser.feed(raw);
  return { events, raw };
}

describe("streamed responses", () => {
  it("sends SSE headers and named events, numbered from 0, ending in response.completed with usage", async () => {
    const response = await gw.post("/v1/responses", { model: TEST_MODEL, input: "hello world", stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("x-request-id")).toMatch(/.+/);
    expect(response.headers.get("x-copilot-session-id")).toMatch(/.+/);

    const { events, raw } = await eventsOf(response);
    // Keep-alive comments (every 100 ms here) may fall anywhere; every other frame is one named event.
    for (const frame of raw.split("\n\n").filter((frame) => frame !== "" && frame !== ": keep-alive")) expect(frame).toMatch(/^event: [a-z_.]+\ndata: [^\n]+$/);
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.every((e) => e.data.type === e.event)).toBe(true);
    expect(events[0]!.event).toBe("response.created");
    const completed = events.at(-1)!;
    expect(completed.event).toBe("response.completed");
    expect(completed.data.response).toMatchObject({ status: "completed", model: TEST_MODEL, usage: { input_tokens: 11, output_tokens: 7, total_tokens: 18 } });
    expect(completed.data.response.id).toBe(events[0]!.data.response.id);
    const text = events.filter((e) => e.event === "response.output_text.delta").map((e) => e.data.delta).join("");
    expect(text).toBe("echo: hello world");
  });

  it("writes ': keep-alive' comments while the model is silent, invisible to SSE parsers", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "a" }, { delayMs: 450 }, { text: "b" }] });
    const response = await gw.post("/v1/responses", { model: TEST_MODEL, input: "slow", stream: true });
    const { events, raw } = await eventsOf(response);
    expect(raw.match(/^: keep-alive$/gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)!.data.response.output[0].content[0].text).toBe("ab");
  });

  it("a failure before the commit point is a real status (429 with Retry-After), not a 200 stream", async () => {
    gw.upstream.respond(() => ({ status: 429, body: { error: { message: "slow down", type: "rate_limit" } } }));
    const response = await gw.post("/v1/responses", { model: TEST_MODEL, input: "hi", stream: true });
    expect(response.status).toBe(429);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
  });

  it(
    "a failure after output ends with response.failed carrying the error, and no response.completed",
    async () => {
      gw.upstream.respond(() => ({ steps: [{ text: "partial answer" }, { delayMs: 100 }, { cut: true }] }));
      const response = await gw.post("/v1/responses", { model: TEST_MODEL, input: "cut", stream: true });
      expect(response.status).toBe(200);
      const { events } = await eventsOf(response);
      const last = events.at(-1)!;
      expect(last.event).toBe("response.failed");
      expect(last.data.response).toMatchObject({ status: "failed", error: { code: expect.any(String), message: expect.any(String) } });
      expect(events.some((e) => e.event === "response.completed")).toBe(false);
      expect(events.some((e) => e.event === "response.output_text.delta" && e.data.delta === "partial answer")).toBe(true);
    },
    40_000,
  );

  it("a client that disconnects aborts the model call upstream, and the gateway keeps serving", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "first" }, { delayMs: 10_000 }, { text: "never" }] });
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: TEST_MODEL, input: "hi", stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let seen = "";
    while (!seen.includes("first")) seen += new TextDecoder().decode((await reader.read()).value);
    const abortedAt = Date.now();
    controller.abort();
    await expect(gw.upstream.calls[0]!.aborted).resolves.toBe(true);
    expect(Date.now() - abortedAt).toBeLessThan(1_500);
    await waitFor(() => gw.inflight.size === 0);
    const next = await gw.post("/v1/responses", { model: TEST_MODEL, input: "still there?" });
    expect(((await next.json()) as { output: Array<{ content: Array<{ text: string }> }> }).output[0]!.content[0]!.text).toBe("echo: still there?");
  });
});

describe("buffered responses", () => {
  it("answer application/json with the response object", async () => {
    const response = await gw.post("/v1/responses", { model: TEST_MODEL, input: "json please", metadata: { run: "7" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    const body = (await response.json()) as Record<string, any>;
    expect(body).toMatchObject({ object: "response", status: "completed", model: TEST_MODEL, metadata: { run: "7" }, store: true, error: null, tools: [], tool_choice: "auto" });
    expect(body.output[0].content[0].text).toBe("echo: json please");
    // openai-node adds output_text itself; the wire object is OpenAI's, without it.
    expect(body).not.toHaveProperty("output_text");
  });

  it("max_output_tokens cuts the answer: status incomplete, reason max_output_tokens", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "x".repeat(400) }] });
    const response = await gw.post("/v1/responses", { model: TEST_MODEL, input: "long", max_output_tokens: 16 });
    const body = (await response.json()) as Record<string, any>;
    expect(body).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, max_output_tokens: 16 });
    expect(body.output[0].content[0].text.length).toBeLessThanOrEqual(64);
  });

  it("an invalid body is a JSON 400 naming the field, never a 500", async () => {
    for (const [body, param] of [
      [{ model: TEST_MODEL, input: "x", background: true }, "background"],
      [{ model: TEST_MODEL, input: "x", tools: [{ type: "file_search", vector_store_ids: ["vs"] }] }, "tools[0].type"],
      [{ model: TEST_MODEL, input: [{ type: "function_call_output" }] }, "input[0].call_id"],
      [{ model: TEST_MODEL, input: [{ type: "item_reference", id: "msg_unknown" }] }, "input[0]"],
    ] as const) {
      const response = await gw.post("/v1/responses", body);
      expect(response.status, JSON.stringify(body)).toBeLessThan(500);
      expect(response.headers.get("content-type")).toMatch(/application\/json/);
      expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param);
    }
    expect(gw.upstream.calls).toHaveLength(0);
  });

  it("GET /v1/responses/:id of an unknown id is a JSON 404", async () => {
    const response = await gw.app.request("/v1/responses/resp_unknown");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("response_not_found");
  });
});
