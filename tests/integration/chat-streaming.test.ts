// Streaming /v1/chat/completions end to end: real runtime, scripted upstream.
// Each case runs twice: through app.request() (a Web ReadableStream answer)
// and through a real socket, where the stream is written straight to the
// connection (src/node/direct-responses.ts).
import { connect } from "node:net";
import { createParser } from "eventsource-parser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, readSseData, startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { lastUserText, sleep } from "../support/upstream.js";

const ORIGIN = "https://app.example";
let gw: TestGateway;
let socketUrl: string;
beforeAll(async () => {
  gw = await startGateway({ keepAliveMs: 100, corsOrigins: [ORIGIN] });
  socketUrl = await gw.listen();
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => gw.upstream.reset());

type Chunk = {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: Array<{ index: number; delta: Record<string, unknown>; finish_reason: string | null }>;
  usage?: Record<string, unknown> | null;
};

const chunksOf = (data: string[]) => data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d) as Chunk);

type Post = (path: string, body: unknown, headers?: Record<string, string>) => Promise<Response>;
const transports: Array<[string, Post]> = [
  ["through app.request()", (path, body, headers) => gw.post(path, body, headers)],
  [
    "written to the socket",
    (path, body, headers = {}) =>
      fetch(`${socketUrl}${path.replace(/^\/v1/, "")}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) }),
  ],
];

describe.each(transports)("streamed chat completion, %s", (_transport, post) => {
  it("sends SSE headers, a role chunk first, the deltas, one finish chunk, the usage chunk and [DONE] last", async () => {
    const response = await post("/v1/chat/completions", chatBody("hello world", { stream: true, stream_options: { include_usage: true } }), { origin: ORIGIN });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("content-encoding")).toBeNull();
    // One request id (the middleware's and the answer's are the same header), and the CORS middleware's headers.
    expect(response.headers.get("x-request-id")).toMatch(/^[\w-]+$/);
    expect(response.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(response.headers.get("access-control-expose-headers")).toContain("x-request-id");

    const data = await readSseData(response);
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = chunksOf(data);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0]!.id).toMatch(/^chatcmpl-/);
    expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
    expect(chunks.every((c) => c.model === TEST_MODEL && c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });

    const text = chunks.map((c) => (c.choices[0]?.delta.content as string | undefined) ?? "").join("");
    expect(text).toBe("echo: hello world");
    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finishes).toHaveLength(1);
    expect(finishes[0]!.choices[0]!.finish_reason).toBe("stop");
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    expect(chunks.indexOf(finishes[0]!)).toBe(chunks.length - 2);
  });

  it("sends no usage chunk unless include_usage is asked for", async () => {
    const chunks = chunksOf(await readSseData(await post("/v1/chat/completions", chatBody("hi", { stream: true }))));
    expect(chunks.some((c) => c.choices.length === 0)).toBe(false);
    expect(chunks.every((c) => !c.usage)).toBe(true);
  });

  it("streams reasoning as reasoning_content in chunks of its own, before the content", async () => {
    gw.upstream.respondInOrder({ steps: [{ reasoning: "Let me think." }, { text: "Forty-two." }] });
    const chunks = chunksOf(await readSseData(await post("/v1/chat/completions", chatBody("q", { stream: true }))));
    const reasoningAt = chunks.findIndex((c) => c.choices[0]?.delta.reasoning_content === "Let me think.");
    const contentAt = chunks.findIndex((c) => c.choices[0]?.delta.content === "Forty-two.");
    expect(reasoningAt).toBeGreaterThan(0);
    expect(contentAt).toBeGreaterThan(reasoningAt);
    expect(chunks[reasoningAt]!.choices[0]!.delta.content).toBeUndefined();
  });

  it("writes ': keep-alive' comments while the model is silent, invisible to SSE parsers", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "a" }, { delayMs: 450 }, { text: "b" }] });
    const response = await post("/v1/chat/completions", chatBody("slow", { stream: true }));
    const raw = await response.text();
    expect(raw.match(/^: keep-alive$/gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(raw).not.toContain(": ping");
    const events: string[] = [];
    const parser = createParser({ onEvent: (event) => events.push(event.data) });
    parser.feed(raw);
    expect(events).toEqual(raw.split("\n\n").filter((f) => f.startsWith("data: ")).map((f) => f.slice(6)));
    expect(events.at(-1)).toBe("[DONE]");
  });

  it("keeps 20 concurrent streams apart", async () => {
    const prompts = Array.from({ length: 20 }, (_, i) => `conversation number ${i} ${"x".repeat(i + 1)}`);
    gw.upstream.respond((request) => {
      const text = `echo: ${lastUserText(request)}`;
      return { steps: [{ text: text.slice(0, 5) }, { delayMs: 20 }, { text: text.slice(5) }] };
    });
    const results = await Promise.all(
      prompts.map(async (prompt) => {
        const chunks = chunksOf(await readSseData(await post("/v1/chat/completions", chatBody(prompt, { stream: true }))));
        return { ids: new Set(chunks.map((c) => c.id)), text: chunks.map((c) => (c.choices[0]?.delta.content as string | undefined) ?? "").join("") };
      }),
    );
    results.forEach((result, i) => {
      expect(result.text).toBe(`echo: ${prompts[i]}`);
      expect(result.ids.size).toBe(1);
    });
    expect(new Set(results.map((r) => [...r.ids][0])).size).toBe(20);
    expect(gw.upstream.calls).toHaveLength(20);
  });
});

describe("a request body on the socket", () => {
  // A body that has all arrived is taken in one read; one still arriving is read as it comes.
  it.each([
    ["in one piece", 0],
    ["in pieces, the last one 100 ms after the head", 100],
  ])("is answered when it comes %s", async (_how, lateMs) => {
    const body = Buffer.from(JSON.stringify(chatBody("split ünïcödé body", { stream: true })));
    const socket = connect(Number(new URL(socketUrl).port), "127.0.0.1");
    let raw = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => (raw += chunk));
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    // Cut inside a multi-byte character, so the pieces must be joined as bytes.
    const cut = body.indexOf("ü") + 1;
    socket.write(Buffer.concat([Buffer.from(head), lateMs ? body.subarray(0, cut) : body]));
    if (lateMs) {
      await sleep(lateMs);
      socket.write(body.subarray(cut));
    }
    await new Promise((resolve) => socket.once("close", resolve));
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(raw).toContain("data: [DONE]");
    expect(lastUserText(gw.upstream.calls.at(-1)!.request)).toBe("split ünïcödé body");
  });
});
