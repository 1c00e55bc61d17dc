// The Vercel AI SDK running a multi-step tool loop through the gateway on a
// real socket: `generateText` and `streamText` execute the client's `lookup`
// tool and send its result back each step. Through the conversation ledger the
// whole loop is one native Copilot session, proven at the scripted upstream:
// one user prompt in every model call, native assistant tool_calls and
// `role: "tool"` messages, and one x-copilot-session-id for every step.
import { createOpenAICompatible, type OpenAICompatibleProvider } from "@ai-sdk/openai-compatible";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toolLoopResponder, userMessages } from "../support/agent.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { contentText } from "../support/upstream.js";

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

const executed: number[] = [];

const tools = {
  lookup: tool({
    description: "Looks a step up.",
    inputSchema: jsonSchema<{ step: number }>({ type: "object", properties: { step: { type: "number" } }, required: ["step"] }),
    execute: async ({ step }) => {
      executed.push(step);
      return `looked up ${step}`;
    },
  }),
};

interface StepView {
  finishReason: string;
  toolCalls: Array<{ toolCallId: string; toolName: string; input: unknown }>;
  response: { headers?: Record<string, string> };
}

/** What every run of the loop must show, whichever way the SDK drove it. */
function expectOneNativeSession(prompt: string, text: string, steps: readonly StepView[]): void {
  expect(text).toBe(`done after 3 tools for ${prompt}`);
  expect(steps).toHaveLength(4);
  expect(steps.map((step) => step.finishReason)).toEqual(["tool-calls", "tool-calls", "tool-calls", "stop"]);
  expect(steps.slice(0, 3).map((step) => step.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input]))).toEqual([
    [["call_1", "lookup", { step: 1 }]],
    [["call_2", "lookup", { step: 2 }]],
    [["call_3", "lookup", { step: 3 }]],
  ]);
  expect(executed).toEqual([1, 2, 3]);

  // The SDK exposes each step's response headers: one session for the whole loop.
  const sessionIds = steps.map((step) => step.response.headers?.["x-copilot-session-id"]);
  expect(sessionIds[0]).toMatch(/.+/);
  expect(new Set(sessionIds).size).toBe(1);

  const calls = gw.upstream.calls.map((call) => call.request);
  expect(calls).toHaveLength(4);
  // Every model call is the same native conversation with exactly one user prompt.
  for (const request of calls) expect(userMessages(request)).toBe(1);
  for (const request of calls) expect(contentText(request.messages.find((m) => m.role === "user")?.content)).toContain(prompt);
  const last = calls.at(-1)!.messages;
  const assistantCalls = last.filter((m) => m.role === "assistant").flatMap((m) => m.tool_calls ?? []);
  expect(assistantCalls.map((call) => call.id)).toEqual(["call_1", "call_2", "call_3"]);
  expect(assistantCalls.map((call) => JSON.parse(call.function.arguments) as unknown)).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
  const toolMessages = last.filter((m) => m.role === "tool");
  expect(toolMessages.map((m) => m.tool_call_id)).toEqual(["call_1", "call_2", "call_3"]);
  toolMessages.forEach((message, index) => expect(contentText(message.content)).toContain(`looked up ${index + 1}`));
}

describe("a Vercel AI SDK multi-step tool loop is one native Copilot session", () => {
  beforeEach(() => {
    executed.length = 0;
  });

  it("generateText with stopWhen: stepCountIs(6)", async () => {
    gw.upstream.respond(toolLoopResponder(3));
    const prompt = "generate through the loop";
    const result = await generateText({ model: provider(TEST_MODEL), prompt, tools, stopWhen: stepCountIs(6), maxRetries: 0 });
    expect(result.finishReason).toBe("stop");
    expectOneNativeSession(prompt, result.text, result.steps);
  });

  it("streamText with stopWhen: stepCountIs(6)", async () => {
    gw.upstream.respond(toolLoopResponder(3));
    const prompt = "stream through the loop";
    const errors: unknown[] = [];
    const result = streamText({
      model: provider(TEST_MODEL),
      prompt,
      tools,
      stopWhen: stepCountIs(6),
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    const parts: Array<{ type: string }> = [];
    for await (const part of result.fullStream) parts.push(part);

    expect(errors).toEqual([]);
    expect(parts.some((part) => part.type === "error" || part.type === "tool-error")).toBe(false);
    expect(parts.filter((part) => part.type === "tool-result")).toHaveLength(3);
    expect(await result.finishReason).toBe("stop");
    expectOneNativeSession(prompt, await result.text, await result.steps);
  });
});
