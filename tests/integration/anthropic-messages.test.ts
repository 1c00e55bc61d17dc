// POST /v1/messages through the real runtime (BYOK, scripted upstream): the
// Claude Code event order and block invariants (B.13 #73/#74), ping (#76),
// errors before and after the commit point (#77/#79), count_tokens (#80), and
// tool loops through the ledger keyed by tool_use_id: one native session.
import { createParser } from "eventsource-parser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toolLoopResponder, userMessages } from "../support/agent.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { contentText } from "../support/upstream.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ keepAliveMs: 300 });
});
afterAll(async () => {
  await gw?.close();
});
beforeEach(() => gw.upstream.reset());

const LOOKUP = { name: "lookup", description: "Looks a step up.", input_schema: { type: "object", properties: { step: { type: "number" } }, required: ["step"] } };

interface Frame {
  event: string;
  data: Record<string, any>;
}

async function readFrames(response: Response): Promise<Frame[]> {
  const frames: Frame[] = [];
  createParser({ onEvent: (message) => frames.push({ event: message.event ?? "", data: JSON.parse(message.data) }) }).feed(await response.text());
  return frames;
}

/** B.13 #73/#74, as Claude Code needs them. */
function assertClaudeCodeOrder(frames: Frame[]): void {
  const events = frames.filter((f) => f.event !== "ping");
  for (const f of frames) expect(f.data.type).toBe(f.event);
  expect(events[0]!.event).toBe("message_start");
  expect(events.at(-1)!.event).toBe("message_stop");
  expect(events.at(-2)!.event).toBe("message_delta");
  let open: number | undefined;
  let next = 0;
  for (const f of events.slice(1, -2)) {
    if (f.event === "content_block_start") {
      expect(open).toBeUndefined();
      expect(f.data.index).toBe(next++);
      open = f.data.index;
    } else if (f.event === "content_block_delta") {
      expect(f.data.index).toBe(open);
    } else {
      expect(f.event).toBe("content_block_stop");
      expect(f.data.index).toBe(open);
      open = undefined;
    }
  }
  expect(open).toBeUndefined();
}

const textOf = (frames: Frame[]) => frames.filter((f) => f.data.delta?.type === "text_delta").map((f) => f.data.delta.text).join("");
const body = (content: unknown, extra: Record<string, unknown> = {}) => ({ model: TEST_MODEL, max_tokens: 32000, messages: [{ role: "user", content }], ...extra });

describe("text turns", () => {
  it("answers a non-streaming request with a message carrying the upstream usage", async () => {
    const response = await gw.post("/v1/messages", body("hello there"));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      type: "message",
      role: "assistant",
      model: TEST_MODEL,
      content: [{ type: "text", text: "echo: hello there" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 11, output_tokens: 7 },
    });
  });

  it("streams in Claude Code's event order, with ?beta=true and any anthropic-beta header (B.13 #69/#70/#73)", async () => {
    const response = await gw.post("/v1/messages?beta=true", body("stream me", { stream: true }), {
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14,unknown-flag",
      "x-api-key": "anything",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const frames = await readFrames(response);
    assertClaudeCodeOrder(frames);
    expect(textOf(frames)).toBe("echo: stream me");
    expect(frames[0]!.data.message).toMatchObject({ id: expect.stringMatching(/^msg_/), model: TEST_MODEL, content: [], stop_reason: null });
    expect(frames.find((f) => f.event === "message_delta")!.data).toMatchObject({
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { input_tokens: 11, output_tokens: 7 },
    });
  });

  it("sends the system prompt (text blocks) upstream as the system message", async () => {
    await gw.post("/v1/messages", body("hi", { system: [{ type: "text", text: "You are a pirate.", cache_control: { type: "ephemeral" } }] }));
    const system = gw.upstream.calls[0]!.request.messages.find((m) => m.role === "system");
    expect(contentText(system?.content)).toContain("You are a pirate.");
  });

  it("writes ping frames while the model is silent (B.13 #76)", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "wait" }, { delayMs: 1_200 }, { text: "ed" }] });
    const frames = await readFrames(await gw.post("/v1/messages", body("slow", { stream: true })));
    expect(frames.filter((f) => f.event === "ping").length).toBeGreaterThanOrEqual(2);
    assertClaudeCodeOrder(frames);
    expect(textOf(frames)).toBe("waited");
  });

  it("ends with stop_reason max_tokens when max_tokens cuts the answer", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "x".repeat(200) }] });
    const message = (await (await gw.post("/v1/messages", body("long", { max_tokens: 10 }))).json()) as { stop_reason: string; content: { text: string }[] };
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.content[0]!.text.length).toBeLessThanOrEqual(40);
  });

  it("streams upstream reasoning as a thinking block only when the request turned thinking on", async () => {
    const script = { steps: [{ reasoning: "Let me think." }, { text: "Forty-two." }] };
    gw.upstream.respondInOrder(script, script);
    const on = await readFrames(await gw.post("/v1/messages", body("q", { stream: true, thinking: { type: "enabled", budget_tokens: 10_000 } })));
    assertClaudeCodeOrder(on);
    expect(on.filter((f) => f.event === "content_block_start").map((f) => f.data.content_block.type)).toEqual(["thinking", "text"]);
    expect(on.filter((f) => f.data.delta?.type === "thinking_delta").map((f) => f.data.delta.thinking).join("")).toBe("Let me think.");
    expect(gw.upstream.calls[0]!.request.reasoning_effort).toBe("medium");
    const off = await readFrames(await gw.post("/v1/messages", body("q2", { stream: true })));
    expect(off.filter((f) => f.event === "content_block_start").map((f) => f.data.content_block.type)).toEqual(["text"]);
  });

  it("takes its thinking block back with the next message, and the conversation continues on the same session (B.13 #81)", async () => {
    gw.upstream.respondInOrder({ steps: [{ reasoning: "Hmm." }, { text: "First answer." }] }, { steps: [{ text: "Second answer." }] });
    const thinking = { type: "enabled", budget_tokens: 2_000 };
    const first = await gw.post("/v1/messages", body("one", { thinking }));
    const answer = ((await first.json()) as { content: unknown[] }).content;
    expect(answer).toEqual([{ type: "thinking", thinking: "Hmm.", signature: "" }, { type: "text", text: "First answer." }]);
    const second = await gw.post("/v1/messages", {
      model: TEST_MODEL,
      max_tokens: 32000,
      thinking,
      messages: [{ role: "user", content: "one" }, { role: "assistant", content: answer }, { role: "user", content: "two" }],
    });
    expect(second.status).toBe(200);
    expect(second.headers.get("x-copilot-session-id")).toBe(first.headers.get("x-copilot-session-id"));
    expect(gw.upstream.calls[1]!.request.messages.filter((m) => m.role !== "system").map((m) => m.role)).toEqual(["user", "assistant", "user"]);
  });

  it("answers count_tokens with an estimate that grows with the request (B.13 #80)", async () => {
    const small = await gw.post("/v1/messages/count_tokens?beta=true", { model: TEST_MODEL, messages: [{ role: "user", content: "hi" }] });
    expect(small.status).toBe(200);
    const large = await gw.post("/v1/messages/count_tokens", { model: TEST_MODEL, system: "s".repeat(400), tools: [LOOKUP], messages: [{ role: "user", content: "hi" }] });
    const [a, b] = [(await small.json()) as { input_tokens: number }, (await large.json()) as { input_tokens: number }];
    expect(a.input_tokens).toBeGreaterThan(0);
    expect(b.input_tokens).toBeGreaterThan(a.input_tokens + 100);
    expect(gw.upstream.calls).toHaveLength(0);
  });
});

describe("errors (B.13 #77/#79)", () => {
  it("404 not_found_error for an unknown model, streaming or not", async () => {
    for (const stream of [false, true]) {
      const response = await gw.post("/v1/messages", { ...body("hi", { stream }), model: "no-such-model" });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ type: "error", error: { type: "not_found_error", message: expect.stringContaining("no-such-model") } });
    }
  });

  it("400 invalid_request_error for malformed JSON and invalid fields", async () => {
    const malformed = await gw.post("/v1/messages", "{oops");
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    const invalid = await gw.post("/v1/messages", body([{ type: "image", source: { type: "url", url: "https://example.com/cat.png" } }]));
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { message: string } }).error.message).toContain("base64");
  });

  it("an upstream 429 is a 429 rate_limit_error with Retry-After, before the stream commits", async () => {
    gw.upstream.respond(() => ({ status: 429, body: { error: { message: "slow down", type: "rate_limit" } } }));
    const response = await gw.post("/v1/messages", body("hi", { stream: true }));
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error", message: expect.stringContaining("slow down") } });
  });

  it("a failure mid-stream ends with an event: error frame after what was sent, and no message_stop", async () => {
    gw.upstream.respond(() => ({ steps: [{ text: "partial answer" }, { delayMs: 100 }, { cut: true }] }));
    const response = await gw.post("/v1/messages", body("hi", { stream: true }));
    expect(response.status).toBe(200);
    const frames = await readFrames(response);
    expect(textOf(frames)).toBe("partial answer");
    const last = frames.at(-1)!;
    expect(last.event).toBe("error");
    expect(["overloaded_error", "api_error"]).toContain(last.data.error.type);
    expect(last.data.error.message).toMatch(/^[\x20-\x7e]+$/); // English, printable
    expect(frames.some((f) => f.event === "message_stop" || f.event === "message_delta")).toBe(false);
  });
});

describe("tool loops through the ledger, keyed by tool_use_id", () => {
  type Block = { type: string; id?: string; name?: string; input?: unknown; text?: string };

  /** Claude Code's side of a loop: send, run every tool_use, send the results back as tool_result blocks, repeat. */
  async function runLoop(prompt: string, stream: boolean, extraUserText?: string) {
    const messages: { role: string; content: unknown }[] = [{ role: "user", content: prompt }];
    const sessionIds: string[] = [];
    for (let request = 1; request <= 8; request++) {
      const response = await gw.post("/v1/messages", { model: TEST_MODEL, max_tokens: 4096, tools: [LOOKUP], messages, stream });
      expect(response.status).toBe(200);
      sessionIds.push(response.headers.get("x-copilot-session-id") ?? "");
      const content: Block[] = stream ? blocksFromStream(await readFrames(response)) : ((await response.json()) as { content: Block[] }).content;
      messages.push({ role: "assistant", content });
      const calls = content.filter((block) => block.type === "tool_use");
      if (calls.length === 0) return { final: content.map((block) => block.text ?? "").join(""), sessionIds, requests: request };
      const results: unknown[] = calls.map((call) => ({ type: "tool_result", tool_use_id: call.id, content: `result of ${call.name}(${JSON.stringify(call.input)})` }));
      if (extraUserText) results.push({ type: "text", text: extraUserText });
      messages.push({ role: "user", content: results });
    }
    throw new Error("the loop did not finish in 8 requests");
  }

  function blocksFromStream(frames: Frame[]): Block[] {
    assertClaudeCodeOrder(frames);
    const blocks: Block[] = [];
    const json = new Map<number, string>();
    for (const f of frames) {
      if (f.event === "content_block_start") blocks[f.data.index] = { ...f.data.content_block };
      if (f.data.delta?.type === "text_delta") blocks[f.data.index]!.text = (blocks[f.data.index]!.text ?? "") + f.data.delta.text;
      if (f.data.delta?.type === "input_json_delta") json.set(f.data.index, (json.get(f.data.index) ?? "") + f.data.delta.partial_json);
    }
    for (const [index, partial] of json) blocks[index]!.input = JSON.parse(partial);
    return blocks;
  }

  it.each([false, true])("a 3-step loop is one native session upstream (stream: %s)", async (stream) => {
    gw.upstream.respond(toolLoopResponder(3));
    const run = await runLoop("start the loop", stream);
    expect(run.final).toBe("done after 3 tools for start the loop");
    expect(run.requests).toBe(4);
    expect(new Set(run.sessionIds).size).toBe(1);

    const calls = gw.upstream.calls.map((call) => call.request);
    expect(calls).toHaveLength(4);
    for (const request of calls) expect(userMessages(request)).toBe(1);
    const last = calls.at(-1)!.messages;
    expect(last.filter((m) => m.role === "assistant").flatMap((m) => m.tool_calls ?? []).map((c) => c.id)).toEqual(["call_1", "call_2", "call_3"]);
    const tools = last.filter((m) => m.role === "tool");
    expect(tools.map((m) => m.tool_call_id)).toEqual(["call_1", "call_2", "call_3"]);
    expect(tools[0]!.content).toContain('result of lookup({"step":1})');
  });

  it("tells the model which results were errors", async () => {
    gw.upstream.respondInOrder({ steps: [{ toolCall: { id: "call_e", name: "lookup", arguments: '{"step":1}' } }] }, { steps: [{ text: "noted" }] });
    const first = (await (await gw.post("/v1/messages", { model: TEST_MODEL, max_tokens: 100, tools: [LOOKUP], messages: [{ role: "user", content: "go" }] })).json()) as { content: Block[]; stop_reason: string };
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content).toEqual([{ type: "tool_use", id: "call_e", name: "lookup", input: { step: 1 }, caller: { type: "direct" } }]);
    const second = await gw.post("/v1/messages", {
      model: TEST_MODEL,
      max_tokens: 100,
      tools: [LOOKUP],
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "call_e", is_error: true, content: "lookup crashed" }] },
      ],
    });
    expect(((await second.json()) as { content: Block[] }).content[0]!.text).toBe("noted");
    const tool = gw.upstream.calls[1]!.request.messages.find((m) => m.role === "tool")!;
    expect(tool.tool_call_id).toBe("call_e");
    expect(tool.content).toMatch(/error/i);
    expect(tool.content).toContain("lookup crashed");
  });

  it("passes only the first call on with disable_parallel_tool_use", async () => {
    gw.upstream.respondInOrder({
      steps: [
        { toolCall: { id: "call_a", name: "lookup", arguments: '{"step":1}' } },
        { toolCall: { id: "call_b", name: "lookup", arguments: '{"step":2}' } },
      ],
    });
    const response = await gw.post("/v1/messages", {
      model: TEST_MODEL,
      max_tokens: 100,
      tools: [LOOKUP],
      tool_choice: { type: "auto", disable_parallel_tool_use: true },
      messages: [{ role: "user", content: "two" }],
    });
    const message = (await response.json()) as { content: Block[] };
    expect(message.content.filter((block) => block.type === "tool_use").map((block) => block.id)).toEqual(["call_a"]);
  });

  it("answers a tool_result message that carries extra text (Claude Code's <system-reminder>s), and the model sees both", async () => {
    gw.upstream.respondInOrder({ steps: [{ toolCall: { id: "call_r", name: "lookup", arguments: '{"step":1}' } }] }, { steps: [{ text: "finished" }] });
    const first = await gw.post("/v1/messages", { model: TEST_MODEL, max_tokens: 100, tools: [LOOKUP], messages: [{ role: "user", content: "go" }] });
    const content = ((await first.json()) as { content: Block[] }).content;
    const second = await gw.post("/v1/messages", {
      model: TEST_MODEL,
      max_tokens: 100,
      tools: [LOOKUP],
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "call_r", content: "step one done" },
            { type: "text", text: "<system-reminder>Keep going.</system-reminder>" },
          ],
        },
      ],
    });
    expect(((await second.json()) as { content: Block[] }).content).toEqual([{ type: "text", text: "finished" }]);
    expect(second.headers.get("x-copilot-session-id")).toBe(first.headers.get("x-copilot-session-id"));
    // One native loop: the reminder rides along with the tool result, and there is still one user prompt.
    const sent = gw.upstream.calls[1]!.request.messages;
    const toolMessage = sent.find((m) => m.role === "tool");
    expect(toolMessage?.content).toContain("step one done");
    expect(toolMessage?.content).toContain("Keep going.");
    expect(sent.filter((m) => m.role === "user")).toHaveLength(1);
  });
});
