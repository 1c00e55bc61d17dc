// The Vercel AI SDK (`ai` v6 + `@ai-sdk/openai-compatible`) against the
// gateway on a real socket, with the real Copilot runtime (BYOK) calling the
// scripted upstream. Vercel validates every chunk against its own schema
// (`choices` on every chunk, `function` on every tool-call delta, string id and
// name on the first delta), reads `reasoning_content`, and needs the
// `choices: []` usage chunk when `includeUsage` is on (contract B.2–B.5, B.14).
import { createOpenAICompatible, type OpenAICompatibleProvider } from "@ai-sdk/openai-compatible";
import { APICallError, generateText, jsonSchema, streamText, tool } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";

let gw: TestGateway;
let provider: OpenAICompatibleProvider;

beforeAll(async () => {
  gw = await startGateway();
  provider = createOpenAICompatible({ name: "gateway", baseURL: await gw.listen(), apiKey: "k", includeUsage: true });
});

afterAll(async () => {
  await gw?.close();
});

beforeEach(() => {
  gw.upstream.reset();
});

describe("generateText", () => {
  it("returns the echo with finishReason stop and usage 11/7", async () => {
    const result = await generateText({ model: provider(TEST_MODEL), prompt: "generate me", maxRetries: 0 });
    expect(result.text).toBe("echo: generate me");
    expect(result.finishReason).toBe("stop");
    expect(result.usage.inputTokens).toBe(11);
    expect(result.usage.outputTokens).toBe(7);
    expect(result.usage.totalTokens).toBe(18);
    expect(result.response.modelId).toBe(TEST_MODEL);
    expect(result.response.id).toMatch(/^chatcmpl-/);
  });

  it("an upstream 429 rejects with an APICallError whose statusCode is 429", async () => {
    gw.upstream.respond(() => ({ status: 429, body: { error: { message: "slow down", type: "rate_limit_error" } } }));
    let thrown: unknown;
    try {
      await generateText({ model: provider(TEST_MODEL), prompt: "rate limit me", maxRetries: 0 });
    } catch (error) {
      thrown = error;
    }
    expect(APICallError.isInstance(thrown)).toBe(true);
    const error = thrown as APICallError;
    expect(error.statusCode).toBe(429);
    // A 429 is retryable for the SDK's own retry policy, and the gateway says when.
    expect(error.isRetryable).toBe(true);
    expect(error.responseHeaders?.["retry-after"]).toMatch(/^\d+$/);
  });
});

describe("streamText", () => {
  it("textStream reassembles the echo; finishReason stop; usage arrives", async () => {
    const errors: unknown[] = [];
    const result = streamText({
      model: provider(TEST_MODEL),
      prompt: "stream me",
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);

    expect(deltas.join("")).toBe("echo: stream me");
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    expect(await result.finishReason).toBe("stop");
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(11);
    expect(usage.outputTokens).toBe(7);
    expect(usage.totalTokens).toBe(18);
    expect(errors).toEqual([]);
  });

  it("reports a tool call (no execute) with id, name and input; finishReason tool-calls", async () => {
    gw.upstream.respondInOrder({
      steps: [{ toolCall: { id: "call_abc", name: "get_weather", arguments: '{"city":"Paris"}' } }],
      usage: { prompt_tokens: 11, completion_tokens: 7 },
    });
    const errors: unknown[] = [];
    const result = streamText({
      model: provider(TEST_MODEL),
      prompt: "weather in Paris?",
      maxRetries: 0,
      tools: {
        get_weather: tool({
          description: "Current weather for a city",
          inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } } }),
        }),
      },
      onError: ({ error }) => void errors.push(error),
    });
    const parts: Array<{ type: string; [key: string]: unknown }> = [];
    for await (const part of result.fullStream) parts.push(part as { type: string });

    const calls = parts.filter((p) => p.type === "tool-call");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ toolCallId: "call_abc", toolName: "get_weather", input: { city: "Paris" } });
    expect(parts.some((p) => p.type === "tool-error")).toBe(false);
    expect(parts.some((p) => p.type === "error")).toBe(false);
    expect(await result.finishReason).toBe("tool-calls");
    const toolCalls = await result.toolCalls;
    expect(toolCalls.map((c) => [c.toolCallId, c.toolName, c.input])).toEqual([["call_abc", "get_weather", { city: "Paris" }]]);
    expect(errors).toEqual([]);
    expect(gw.upstream.calls[0]?.request.tools?.map((t) => t.function.name)).toContain("get_weather");
  });

  it("streams reasoning parts before text", async () => {
    gw.upstream.respondInOrder({ steps: [{ reasoning: "thinking" }, { text: "answer" }], usage: { prompt_tokens: 11, completion_tokens: 7 } });
    const result = streamText({ model: provider(TEST_MODEL), prompt: "think first", maxRetries: 0 });
    const parts: Array<{ type: string; text?: string }> = [];
    for await (const part of result.fullStream) parts.push(part as { type: string; text?: string });

    const types = parts.map((p) => p.type);
    const reasoning = parts.filter((p) => p.type === "reasoning-delta").map((p) => p.text).join("");
    const text = parts.filter((p) => p.type === "text-delta").map((p) => p.text).join("");
    expect(reasoning).toBe("thinking");
    expect(text).toBe("answer");
    expect(types.indexOf("reasoning-start")).toBeGreaterThanOrEqual(0);
    expect(types.lastIndexOf("reasoning-delta")).toBeLessThan(types.indexOf("text-delta"));
    // Vercel closes the reasoning block when the text starts.
    expect(types.indexOf("reasoning-end")).toBeLessThan(types.indexOf("text-start"));
    expect(await result.reasoningText).toBe("thinking");
    expect(await result.text).toBe("answer");
    expect(await result.finishReason).toBe("stop");
  });
});
