// The real `@anthropic-ai/sdk` against the gateway on a real socket, with the
// real Copilot runtime (BYOK) calling the scripted upstream: what the SDK
// itself checks (event order and block accumulation in `messages.stream()`,
// error classes by status, the in-stream `event: error`), and a tool round
// trip that the upstream sees as one native session (contract B.13).
import Anthropic, { APIError, APIUserAbortError, BadRequestError, NotFoundError, OverloadedError, RateLimitError } from "@anthropic-ai/sdk";
import type { ContentBlock, MessageParam, Tool } from "@anthropic-ai/sdk/resources/messages";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toolLoopResponder, userMessages } from "../support/agent.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";

let gw: TestGateway;
let client: Anthropic;

/** The SDK on a gateway's socket. It appends /v1/messages itself, as Claude Code does with ANTHROPIC_BASE_URL. */
async function sdkOn(gateway: TestGateway): Promise<Anthropic> {
  const baseURL = (await gateway.listen()).replace(/\/v1$/, "");
  return new Anthropic({ baseURL, apiKey: "k", maxRetries: 0 });
}

beforeAll(async () => {
  // The default turn deadline: these turns all answer, and none should race a deadline. A short one
  // (2.5 s, then 5 s) for the one test that needs it turned a 429 into a 504 on a loaded machine,
  // and then the first turn here, which a busy runtime took over 5 s to start.
  gw = await startGateway();
  client = await sdkOn(gw);
});

afterAll(async () => {
  await gw?.close();
});

beforeEach(() => gw.upstream.reset());

const user = (content: string): MessageParam[] => [{ role: "user", content }];

const LOOKUP: Tool = {
  name: "lookup",
  description: "Looks a step up.",
  input_schema: { type: "object", properties: { step: { type: "number" } }, required: ["step"] },
};

describe("messages", () => {
  it("create() returns the message", async () => {
    const { data: message, response } = await client.messages
      .create({ model: TEST_MODEL, max_tokens: 1024, system: "Be brief.", messages: user("hello sdk") })
      .withResponse();
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: TEST_MODEL,
      content: [{ type: "text", text: "echo: hello sdk" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 11, output_tokens: 7 },
    });
    expect(message.id).toMatch(/^msg_/);
    expect(response.headers.get("x-copilot-session-id")).toMatch(/.+/);
  });

  it("create({stream:true}) yields the Claude Code event order", async () => {
    const stream = await client.messages.create({ model: TEST_MODEL, max_tokens: 1024, messages: user("raw events"), stream: true });
    const types: string[] = [];
    let text = "";
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
    }
    expect(text).toBe("echo: raw events");
    expect(types[0]).toBe("message_start");
    expect(types.slice(-2)).toEqual(["message_delta", "message_stop"]);
    expect(types).toContain("content_block_start");
    expect(types).toContain("content_block_stop");
  });

  it("stream().finalMessage() accumulates the whole message, with text events on the way", async () => {
    const stream = client.messages.stream({ model: TEST_MODEL, max_tokens: 1024, messages: user("final please") });
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const message = await stream.finalMessage();
    expect(deltas.join("")).toBe("echo: final please");
    expect(message.content).toEqual([{ type: "text", text: "echo: final please" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage).toMatchObject({ input_tokens: 11, output_tokens: 7 });
  });

  it("stream().finalMessage() carries thinking blocks when thinking is enabled", async () => {
    gw.upstream.respondInOrder({ steps: [{ reasoning: "Let me think." }, { text: "Forty-two." }] });
    const message = await client.messages
      .stream({ model: TEST_MODEL, max_tokens: 32_000, thinking: { type: "enabled", budget_tokens: 31_999 }, messages: user("meaning?") })
      .finalMessage();
    expect(message.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    expect(message.content[0]).toMatchObject({ type: "thinking", thinking: "Let me think." });
    expect(gw.upstream.calls[0]!.request.reasoning_effort).toBe("high");
  });

  it("countTokens() returns an estimate", async () => {
    const { input_tokens } = await client.messages.countTokens({ model: TEST_MODEL, tools: [LOOKUP], messages: user("how many tokens is this?") });
    expect(input_tokens).toBeGreaterThan(10);
  });

  it("models.list() reads the gateway's model list", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining([TEST_MODEL, "other-model"]));
  });
});

describe("a tool round trip", () => {
  /** The SDK user's side of an agent loop: run every tool_use, send the results as tool_result blocks, repeat. */
  async function runLoop(prompt: string, stream: boolean) {
    const messages: MessageParam[] = user(prompt);
    const sessionIds = new Set<string>();
    for (let request = 1; request <= 8; request++) {
      let content: ContentBlock[];
      if (stream) {
        const runner = client.messages.stream({ model: TEST_MODEL, max_tokens: 4096, tools: [LOOKUP], messages });
        content = (await runner.finalMessage()).content;
      } else {
        const { data, response } = await client.messages.create({ model: TEST_MODEL, max_tokens: 4096, tools: [LOOKUP], messages }).withResponse();
        sessionIds.add(response.headers.get("x-copilot-session-id") ?? "");
        content = data.content;
      }
      messages.push({ role: "assistant", content });
      const calls = content.filter((block) => block.type === "tool_use");
      if (calls.length === 0) return { final: content.map((block) => (block.type === "text" ? block.text : "")).join(""), sessionIds, requests: request };
      messages.push({
        role: "user",
        content: calls.map((call) => ({ type: "tool_result" as const, tool_use_id: call.id, content: `result of ${call.name}(${JSON.stringify(call.input)})` })),
      });
    }
    throw new Error("the loop did not finish in 8 requests");
  }

  it.each([false, true])("tool_use → tool_result → final answer is one native session upstream (stream: %s)", async (stream) => {
    gw.upstream.respond(toolLoopResponder(2));
    const run = await runLoop("look it up", stream);
    expect(run.final).toBe("done after 2 tools for look it up");
    expect(run.requests).toBe(3);
    if (!stream) expect(run.sessionIds.size).toBe(1);
    const calls = gw.upstream.calls.map((call) => call.request);
    expect(calls).toHaveLength(3);
    for (const request of calls) expect(userMessages(request)).toBe(1);
    const last = calls.at(-1)!.messages;
    expect(last.filter((m) => m.role === "tool").map((m) => [m.tool_call_id, m.content])).toEqual([
      ["call_1", 'result of lookup({"step":1})'],
      ["call_2", 'result of lookup({"step":2})'],
    ]);
  });

  it("the streamed tool_use block has the parsed input", async () => {
    gw.upstream.respondInOrder({ steps: [{ toolCall: { id: "call_x", name: "lookup", arguments: '{"step":7}', chunks: 4 } }] });
    const message = await client.messages.stream({ model: TEST_MODEL, max_tokens: 1024, tools: [LOOKUP], messages: user("seven") }).finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([{ type: "tool_use", id: "call_x", name: "lookup", input: { step: 7 }, caller: { type: "direct" } }]);
  });
});

describe("errors", () => {
  it("an unknown model is a NotFoundError", async () => {
    const error = await client.messages.create({ model: "no-such-model", max_tokens: 10, messages: user("hi") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).status).toBe(404);
    expect((error as NotFoundError).error).toMatchObject({ type: "error", error: { type: "not_found_error" } });
  });

  it("an upstream 429 is a RateLimitError, streaming or not", async () => {
    gw.upstream.respond(() => ({ status: 429, body: { error: { message: "slow down", type: "rate_limit" } } }));
    const plain = await client.messages.create({ model: TEST_MODEL, max_tokens: 10, messages: user("hi") }).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(RateLimitError);
    expect((plain as RateLimitError).headers?.get("retry-after")).toMatch(/^\d+$/);
    const streamed = await client.messages.stream({ model: TEST_MODEL, max_tokens: 10, messages: user("hi") }).finalMessage().catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(RateLimitError);
  });

  it("an invalid request is a BadRequestError naming the field", async () => {
    const error = await client.messages
      .create({ model: TEST_MODEL, max_tokens: 10, messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url: "https://example.com/a.png" } }] }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toContain("messages[0].content[0].source");
  });

  describe("an upstream that keeps failing", () => {
    // Only the turn deadline ends it (the runtime retries until then), so it has a gateway of its own
    // whose deadline no answering turn has to beat; long enough for a busy runtime's first call to the
    // upstream to fail before it strikes (without a failure seen, the deadline is a 504).
    let failing: TestGateway;
    let failingClient: Anthropic;
    beforeAll(async () => {
      failing = await startGateway({ turnTimeoutMs: 10_000 });
      failingClient = await sdkOn(failing);
    });
    afterAll(() => failing?.close());

    it("is an OverloadedError (529), which the SDK retries by default", async () => {
      failing.upstream.respond(() => ({ status: 500, body: { error: { message: "boom", type: "server_error" } } }));
      const error = await failingClient.messages.create({ model: TEST_MODEL, max_tokens: 10, messages: user("hi") }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OverloadedError);
      expect((error as OverloadedError).status).toBe(529);
    });
  });

  it("a failure mid-stream rejects finalMessage() with an APIError carrying the Anthropic error type", async () => {
    gw.upstream.respond(() => ({ steps: [{ text: "partial answer" }, { delayMs: 100 }, { cut: true }] }));
    const stream = client.messages.stream({ model: TEST_MODEL, max_tokens: 100, messages: user("hi") });
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(["overloaded_error", "api_error"]).toContain((error as APIError).type);
    expect(deltas.join("")).toBe("partial answer");
  });

  it("aborting a stream aborts the model call upstream", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "first" }, { delayMs: 10_000 }, { text: "never" }] });
    const stream = client.messages.stream({ model: TEST_MODEL, max_tokens: 100, messages: user("hi") });
    const ended = stream.done().catch((e: unknown) => e);
    await new Promise<void>((resolve) => stream.on("text", () => resolve()));
    stream.abort();
    expect(await ended).toBeInstanceOf(APIUserAbortError);
    await expect(gw.upstream.calls[0]!.aborted).resolves.toBe(true);
  });
});
