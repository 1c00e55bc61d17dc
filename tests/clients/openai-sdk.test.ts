// The real `openai` npm client against the gateway on a real socket, with the
// real Copilot runtime (BYOK) calling the scripted upstream. These tests pin
// what openai-node itself checks: the role chunk and one finish chunk
// (`finalChatCompletion()`), the usage chunk, error classes by status, the
// in-stream error frame, and streamed tool calls (contract B.1–B.6).
import OpenAI, { APIError, BadRequestError, NotFoundError, RateLimitError } from "openai";
import type { ChatCompletionChunk, ChatCompletionTool } from "openai/resources/chat/completions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";

let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  gw = await startGateway();
  client = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
});

afterAll(async () => {
  await gw?.close();
});

beforeEach(() => {
  gw.upstream.reset();
});

const weatherTool: ChatCompletionTool = {
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

function user(content: string): OpenAI.Chat.ChatCompletionMessageParam[] {
  return [{ role: "user", content }];
}

describe("streaming", () => {
  it("create({stream:true}) yields chunks with one id, the echo text and a final usage chunk", async () => {
    const stream = await client.chat.completions.create({
      model: TEST_MODEL,
      messages: user("stream me"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.length).toBeGreaterThanOrEqual(4);
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^chatcmpl-/);
    expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === TEST_MODEL)).toBe(true);

    // The first chunk is the role chunk (B.2 #9).
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });

    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("echo: stream me");

    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason != null);
    expect(finishes).toHaveLength(1);
    expect(finishes[0]!.choices[0]!.finish_reason).toBe("stop");

    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    // Usage comes only on the last chunk.
    expect(chunks.slice(0, -1).every((c) => c.usage == null)).toBe(true);
  });

  it("chat.completions.stream() + finalChatCompletion() returns the full message", async () => {
    const runner = client.chat.completions.stream({ model: TEST_MODEL, messages: user("final please") });
    const deltas: string[] = [];
    runner.on("content", (delta) => deltas.push(delta));
    const completion = await runner.finalChatCompletion();

    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe(TEST_MODEL);
    expect(completion.choices).toHaveLength(1);
    const choice = completion.choices[0]!;
    expect(choice.index).toBe(0);
    expect(choice.finish_reason).toBe("stop");
    expect(choice.message.role).toBe("assistant");
    expect(choice.message.content).toBe("echo: final please");
    expect(deltas.join("")).toBe("echo: final please");
    expect(await runner.finalContent()).toBe("echo: final please");
  });

  it("streams reasoning_content before content", async () => {
    gw.upstream.respondInOrder({ steps: [{ reasoning: "thinking" }, { text: "answer" }], usage: { prompt_tokens: 11, completion_tokens: 7 } });
    const stream = await client.chat.completions.create({ model: TEST_MODEL, messages: user("think first"), stream: true });
    const kinds: Array<{ kind: "reasoning" | "content"; text: string }> = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta as { content?: string | null; reasoning_content?: string };
      if (delta.reasoning_content) kinds.push({ kind: "reasoning", text: delta.reasoning_content });
      if (delta.content) kinds.push({ kind: "content", text: delta.content });
      // Reasoning and content never share a chunk (B.2 #11).
      expect(Boolean(delta.reasoning_content) && Boolean(delta.content)).toBe(false);
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    const reasoning = kinds.filter((k) => k.kind === "reasoning").map((k) => k.text).join("");
    const content = kinds.filter((k) => k.kind === "content").map((k) => k.text).join("");
    expect(reasoning).toBe("thinking");
    expect(content).toBe("answer");
    const lastReasoning = kinds.map((k) => k.kind).lastIndexOf("reasoning");
    const firstContent = kinds.map((k) => k.kind).indexOf("content");
    expect(lastReasoning).toBeGreaterThanOrEqual(0);
    expect(lastReasoning).toBeLessThan(firstContent);
    expect(finish).toBe("stop");
  });

  it(
    "a mid-stream failure raises APIError after delivering the earlier chunks, never finish_reason stop",
    async () => {
      gw.upstream.respond(() => ({ steps: [{ text: "partial " }, { delayMs: 50 }, { cut: true }] }));
      const stream = await client.chat.completions.create({ model: TEST_MODEL, messages: user("cut me"), stream: true });
      const chunks: ChatCompletionChunk[] = [];
      let thrown: unknown;
      try {
        for await (const chunk of stream) chunks.push(chunk);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(APIError);
      // The JSON error frame (B.2 #13/#14), not an HTTP status: the stream had already committed.
      expect((thrown as APIError).status).toBeUndefined();
      expect((thrown as APIError).error).toMatchObject({ message: expect.any(String), type: "server_error" });
      // The role chunk and the text sent before the failure reached the client.
      expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
      expect(text.startsWith("partial ")).toBe(true);
      // Not dressed up as a complete answer (B.2 #14).
      expect(chunks.some((c) => c.choices[0]?.finish_reason === "stop")).toBe(false);
      expect(gw.upstream.calls.length).toBeGreaterThanOrEqual(1);
    },
    40_000,
  );
});

describe("non-streaming", () => {
  it("create() returns a full chat.completion with usage", async () => {
    const completion = await client.chat.completions.create({ model: TEST_MODEL, messages: user("no stream") });
    expect(completion.object).toBe("chat.completion");
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(Number.isInteger(completion.created)).toBe(true);
    expect(completion.model).toBe(TEST_MODEL);
    expect(completion.choices).toHaveLength(1);
    const choice = completion.choices[0]!;
    expect(choice.index).toBe(0);
    expect(choice.finish_reason).toBe("stop");
    expect(choice.logprobs).toBeNull();
    expect(choice.message).toMatchObject({ role: "assistant", content: "echo: no stream", refusal: null });
    expect(completion.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
  });
});

describe("errors", () => {
  it("an upstream 429 raises RateLimitError with retry-after", async () => {
    gw.upstream.respond(() => ({ status: 429, headers: { "retry-after": "1" }, body: { error: { message: "slow down", type: "rate_limit_error" } } }));
    let thrown: unknown;
    try {
      await client.chat.completions.create({ model: TEST_MODEL, messages: user("rate limit me") });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RateLimitError);
    const error = thrown as RateLimitError;
    expect(error.status).toBe(429);
    expect(error.type).toBe("rate_limit_error");
    const retryAfter = error.headers.get("retry-after");
    expect(retryAfter).not.toBeNull();
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it("an upstream 429 on a streaming request raises RateLimitError before any chunk", async () => {
    gw.upstream.respond(() => ({ status: 429, body: { error: { message: "slow down", type: "rate_limit_error" } } }));
    let thrown: unknown;
    try {
      const stream = await client.chat.completions.create({ model: TEST_MODEL, messages: user("rate limit stream"), stream: true });
      for await (const _chunk of stream) void _chunk;
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RateLimitError);
    expect((thrown as RateLimitError).headers.get("retry-after")).not.toBeNull();
  });

  it("a model not in the list raises NotFoundError with code model_not_found", async () => {
    let thrown: unknown;
    try {
      await client.chat.completions.create({ model: "no-such-model", messages: user("hi") });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NotFoundError);
    const error = thrown as NotFoundError;
    expect(error.status).toBe(404);
    expect(error.code).toBe("model_not_found");
    expect(error.param).toBe("model");
    expect(gw.upstream.calls).toHaveLength(0);
  });

  it("n: 2 raises BadRequestError with param n", async () => {
    let thrown: unknown;
    try {
      await client.chat.completions.create({ model: TEST_MODEL, messages: user("two please"), n: 2 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BadRequestError);
    const error = thrown as BadRequestError;
    expect(error.status).toBe(400);
    expect(error.param).toBe("n");
    expect(error.code).toBe("unsupported_value");
    expect(gw.upstream.calls).toHaveLength(0);
  });
});

describe("tool calls", () => {
  const toolScript = {
    steps: [{ toolCall: { id: "call_abc", name: "get_weather", arguments: '{"city":"Paris"}' } }],
    usage: { prompt_tokens: 11, completion_tokens: 7 },
  };

  it("stream() + finalChatCompletion() reports the tool call", async () => {
    gw.upstream.respondInOrder(toolScript);
    const runner = client.chat.completions.stream({
      model: TEST_MODEL,
      messages: user("weather in Paris?"),
      tools: [weatherTool],
    });
    const completion = await runner.finalChatCompletion();
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe("function");
    expect(call.id).toBe("call_abc");
    if (call.type !== "function") throw new Error("expected a function tool call");
    expect(call.function.name).toBe("get_weather");
    expect(call.function.arguments).toBe('{"city":"Paris"}');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });
    // The tool was offered upstream.
    expect(gw.upstream.calls[0]?.request.tools?.map((t) => t.function.name)).toContain("get_weather");
  });

  it("non-streaming reports the tool call with content null", async () => {
    gw.upstream.respondInOrder(toolScript);
    const completion = await client.chat.completions.create({
      model: TEST_MODEL,
      messages: user("weather in Paris, buffered?"),
      tools: [weatherTool],
    });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls![0]!;
    expect(call.id).toBe("call_abc");
    expect(call.type).toBe("function");
    if (call.type !== "function") throw new Error("expected a function tool call");
    expect(call.function.name).toBe("get_weather");
    expect(call.function.arguments).toBe('{"city":"Paris"}');
  });
});
