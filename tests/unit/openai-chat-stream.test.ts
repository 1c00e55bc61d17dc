import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/core/gateway-error.js";
import type { TurnEvent } from "../../src/core/turn.js";
import {
  createChatStreamEncoder,
  keepAliveFrame,
  type ChatResponseMeta,
} from "../../src/dialects/openai-chat/stream.js";

const META: ChatResponseMeta = { id: "chatcmpl-1", created: 1, model: "m", includeUsage: true, reasoning: true };
const PREFIX = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m"';

/**
 * A hand-written content chunk, in the key order of the contract's golden
 * transcripts (B.15); with include_usage it carries `"usage":null`, as OpenAI's spec says.
 */
const contentFrame = (delta: string, finishReason = "null", includeUsage = true) =>
  `data: ${PREFIX},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finishReason}}]${includeUsage ? ',"usage":null' : ""}}\n\n`;
const ROLE_FRAME = contentFrame('{"role":"assistant","content":""}');
/** The same, for a stream without include_usage: no usage field at all. */
const plainFrame = (delta: string, finishReason = "null") => contentFrame(delta, finishReason, false);
const PLAIN_ROLE_FRAME = plainFrame('{"role":"assistant","content":""}');
const DONE = "data: [DONE]\n\n";

/** Runs a whole turn through a fresh encoder, as the route does, with optional keep-alives between events. */
function encodeTurn(events: (TurnEvent | "keep-alive")[], meta: ChatResponseMeta = META): string {
  const encoder = createChatStreamEncoder(meta);
  let out = encoder.start();
  for (const event of events) out += event === "keep-alive" ? keepAliveFrame() : encoder.encode(event);
  return out + encoder.end();
}

const upstreamFailure = () =>
  new GatewayError({ status: 502, message: "Upstream session failed", type: "server_error", code: "upstream_error" });

describe("chat stream encoder: golden transcripts (B.15)", () => {
  it("text with usage requested", () => {
    const golden =
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}\n\n' +
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n' +
      ": keep-alive\n\n" +
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}\n\n' +
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}\n\n' +
      "data: [DONE]\n\n";
    const out = encodeTurn([
      { type: "text", delta: "Hi" },
      "keep-alive",
      { type: "usage", usage: { promptTokens: 5, completionTokens: 1 } },
      { type: "finish", reason: "stop" },
    ]);
    expect(out).toBe(golden);
  });

  it("tool call", () => {
    const golden =
      ROLE_FRAME +
      contentFrame('{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]}') +
      contentFrame('{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]}') +
      contentFrame('{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]}') +
      contentFrame("{}", '"tool_calls"') +
      `data: ${PREFIX},"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}\n\n` +
      DONE;
    const out = encodeTurn([
      { type: "tool_call_start", index: 0, id: "call_a", name: "get_weather" },
      { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":' },
      { type: "tool_call_delta", index: 0, argumentsDelta: '"Paris"}' },
      { type: "usage", usage: { promptTokens: 12, completionTokens: 9 } },
      { type: "finish", reason: "tool_calls" },
    ]);
    expect(out).toBe(golden);
  });

  it("mid-stream failure: the error frame ends the stream, with no finish and no [DONE]", () => {
    const golden =
      ROLE_FRAME +
      contentFrame('{"content":"one "}') +
      contentFrame('{"content":"two "}') +
      contentFrame('{"content":"three"}') +
      'data: {"error":{"message":"Upstream session failed","type":"server_error","param":null,"code":"upstream_error"}}\n\n';
    const encoder = createChatStreamEncoder(META);
    let out = encoder.start();
    for (const delta of ["one ", "two ", "three"]) out += encoder.encode({ type: "text", delta });
    out += encoder.encode({ type: "error", error: upstreamFailure() });
    expect(out).toBe(golden);
    // Nothing may follow: no late events, no usage, no [DONE].
    expect(encoder.encode({ type: "text", delta: "late" })).toBe("");
    expect(encoder.encode({ type: "finish", reason: "stop" })).toBe("");
    expect(encoder.end()).toBe("");
  });

  it("failure before any token: role chunk then the error frame only", () => {
    const out = encodeTurn([{ type: "error", error: upstreamFailure() }]);
    expect(out).toBe(
      ROLE_FRAME +
        'data: {"error":{"message":"Upstream session failed","type":"server_error","param":null,"code":"upstream_error"}}\n\n',
    );
  });
});

describe("chat stream encoder: reasoning", () => {
  const events: TurnEvent[] = [
    { type: "reasoning", delta: "Think." },
    { type: "text", delta: "Done." },
    { type: "finish", reason: "stop" },
  ];

  it("writes reasoning_content plus the reasoning alias in its own chunk, before content", () => {
    expect(encodeTurn(events, { ...META, includeUsage: false })).toBe(
      PLAIN_ROLE_FRAME +
        plainFrame('{"reasoning_content":"Think.","reasoning":"Think."}') +
        plainFrame('{"content":"Done."}') +
        plainFrame("{}", '"stop"') +
        DONE,
    );
  });

  it("writes no reasoning field at all in strict mode", () => {
    const out = encodeTurn(events, { ...META, includeUsage: false, reasoning: false });
    expect(out).toBe(PLAIN_ROLE_FRAME + plainFrame('{"content":"Done."}') + plainFrame("{}", '"stop"') + DONE);
    expect(out).not.toContain("reasoning");
  });
});

describe("chat stream encoder: contract details", () => {
  it("writes no usage chunk unless requested, and none is invented when the turn reported none", () => {
    const usage: TurnEvent = { type: "usage", usage: { promptTokens: 1, completionTokens: 1 } };
    const finish: TurnEvent = { type: "finish", reason: "stop" };
    expect(encodeTurn([usage, finish], { ...META, includeUsage: false })).toBe(PLAIN_ROLE_FRAME + plainFrame("{}", '"stop"') + DONE);
    expect(encodeTurn([finish])).toBe(ROLE_FRAME + contentFrame("{}", '"stop"') + DONE);
  });

  it("adds cached and reasoning token details when known", () => {
    const out = encodeTurn([
      { type: "usage", usage: { promptTokens: 10, completionTokens: 20, cachedTokens: 4, reasoningTokens: 7 } },
      { type: "finish", reason: "length" },
    ]);
    expect(out).toBe(
      ROLE_FRAME +
        contentFrame("{}", '"length"') +
        `data: ${PREFIX},"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":20,"total_tokens":30,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":7}}}\n\n` +
        DONE,
    );
  });

  it("finishes with tool_calls whenever a tool was called, but keeps length", () => {
    const call: TurnEvent[] = [
      { type: "tool_call_start", index: 0, id: "call_a", name: "f" },
      { type: "tool_call_delta", index: 0, argumentsDelta: "{}" },
    ];
    expect(encodeTurn([...call, { type: "finish", reason: "stop" }])).toContain('"finish_reason":"tool_calls"');
    expect(encodeTurn([...call, { type: "finish", reason: "length" }])).toContain('"finish_reason":"length"');
  });

  it("closes a tool call that got no arguments with \"{}\", one call per chunk, in order", () => {
    const out = encodeTurn(
      [
        { type: "text", delta: "Let me check." },
        { type: "tool_call_start", index: 0, id: "call_a", name: "now" },
        { type: "tool_call_start", index: 1, id: "call_b", name: "today" },
        { type: "finish", reason: "tool_calls" },
      ],
      { ...META, includeUsage: false },
    );
    expect(out).toBe(
      PLAIN_ROLE_FRAME +
        plainFrame('{"content":"Let me check."}') +
        plainFrame('{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"now","arguments":""}}]}') +
        plainFrame('{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}') +
        plainFrame('{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"today","arguments":""}}]}') +
        plainFrame('{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]}') +
        plainFrame("{}", '"tool_calls"') +
        DONE,
    );
  });

  it("skips empty deltas: content \"\" belongs to the role chunk only", () => {
    const out = encodeTurn([
      { type: "text", delta: "" },
      { type: "reasoning", delta: "" },
      { type: "text", delta: "a" },
      { type: "finish", reason: "stop" },
    ]);
    expect(out).toBe(ROLE_FRAME + contentFrame('{"content":"a"}') + contentFrame("{}", '"stop"') + DONE);
  });

  it("emits the role chunk exactly once, first, even if start() was skipped or repeated", () => {
    const encoder = createChatStreamEncoder(META);
    expect(encoder.encode({ type: "text", delta: "x" })).toBe(ROLE_FRAME + contentFrame('{"content":"x"}'));
    expect(encoder.start()).toBe("");
  });

  it("ignores content after finish and a second finish; end() is idempotent", () => {
    const encoder = createChatStreamEncoder({ ...META, includeUsage: false });
    encoder.start();
    expect(encoder.encode({ type: "finish", reason: "stop" })).toBe(plainFrame("{}", '"stop"'));
    expect(encoder.encode({ type: "text", delta: "late" })).toBe("");
    expect(encoder.encode({ type: "finish", reason: "length" })).toBe("");
    expect(encoder.end()).toBe(DONE);
    expect(encoder.end()).toBe("");
  });

  it("ends a turn that stopped without finish or error with an error frame, never [DONE]", () => {
    const encoder = createChatStreamEncoder(META);
    encoder.start();
    encoder.encode({ type: "text", delta: "partial" });
    const end = encoder.end();
    expect(end).not.toContain("[DONE]");
    expect(end.endsWith("\n\n")).toBe(true);
    expect(JSON.parse(end.slice("data: ".length))).toEqual({
      error: {
        message: expect.stringContaining("incomplete"),
        type: "server_error",
        param: null,
        code: "upstream_incomplete",
      },
    });
  });

  it("writes every frame as one data line of JSON sharing id, created and model", () => {
    const out = encodeTurn([
      { type: "reasoning", delta: "line1\nline2\r\n" },
      { type: "text", delta: "a\n\nb" },
      { type: "tool_call_start", index: 0, id: "call_x", name: "f" },
      { type: "tool_call_delta", index: 0, argumentsDelta: '{"s":"\\n"}' },
      { type: "usage", usage: { promptTokens: 3, completionTokens: 4 } },
      { type: "finish", reason: "tool_calls" },
    ]);
    const frames = out.split("\n\n");
    expect(frames.pop()).toBe("");
    expect(frames.pop()).toBe("data: [DONE]");
    expect(frames).toHaveLength(7);
    for (const frame of frames) {
      expect(frame).toMatch(/^data: [^\n\r]+$/);
      const chunk = JSON.parse(frame.slice("data: ".length));
      expect(chunk).toMatchObject({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m" });
      expect(Array.isArray(chunk.choices)).toBe(true);
      // Content, reasoning and tool calls never share a chunk (B.2 #11).
      for (const choice of chunk.choices) {
        expect(choice).toMatchObject({ index: 0, logprobs: null });
        const { content, reasoning_content, tool_calls } = choice.delta;
        const kinds = [content, reasoning_content, tool_calls].filter((value) => value !== undefined && value !== "");
        expect(kinds.length).toBeLessThanOrEqual(1);
      }
    }
  });

  it("keepAliveFrame is an SSE comment, never `: ping`", () => {
    expect(keepAliveFrame()).toBe(": keep-alive\n\n");
  });
});

describe("chat stream encoder: byte-level re-parse (B.1 #5)", () => {
  interface Parsed {
    events: { event: string | undefined; data: string }[];
    comments: string[];
  }

  function parse(chunks: Uint8Array[]): Parsed {
    const parsed: Parsed = { events: [], comments: [] };
    const parser = createParser({
      onEvent: (message: EventSourceMessage) => parsed.events.push({ event: message.event, data: message.data }),
      onComment: (comment: string) => parsed.comments.push(comment),
    });
    const decoder = new TextDecoder();
    for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
    parser.feed(decoder.decode());
    return parsed;
  }

  const transcript = encodeTurn([
    { type: "reasoning", delta: "Réflexion… 🤔" },
    { type: "text", delta: "héllo " },
    "keep-alive",
    { type: "text", delta: "🌍 日本" },
    { type: "tool_call_start", index: 0, id: "call_ü", name: "wörld" },
    { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":"東京"}' },
    "keep-alive",
    { type: "usage", usage: { promptTokens: 5, completionTokens: 6 } },
    { type: "finish", reason: "tool_calls" },
  ]);
  const bytes = new TextEncoder().encode(transcript);
  const whole = parse([bytes]);

  it("parses unsplit into the expected events, with keep-alives as comments only", () => {
    expect(bytes.length).toBeGreaterThan(transcript.length); // multi-byte characters present
    expect(whole.events.map((event) => event.event)).toEqual(Array(9).fill(undefined));
    expect(whole.events.at(-1)?.data).toBe("[DONE]");
    const chunks = whole.events.slice(0, -1).map((event) => JSON.parse(event.data));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content).filter(Boolean).join("")).toBe("héllo 🌍 日本");
    expect(chunks[1].choices[0].delta.reasoning_content).toBe("Réflexion… 🤔");
    expect(chunks[4].choices[0].delta.tool_calls[0]).toEqual({
      index: 0,
      id: "call_ü",
      type: "function",
      function: { name: "wörld", arguments: "" },
    });
    expect(whole.comments).toEqual(["keep-alive", "keep-alive"]);
  });

  it("reassembles identical events when split into two at every byte offset", () => {
    for (let offset = 0; offset <= bytes.length; offset++) {
      const split = parse([bytes.subarray(0, offset), bytes.subarray(offset)]);
      expect(split, `split at byte ${offset}`).toEqual(whole);
    }
  });

  it("reassembles identical events from 1-byte chunks", () => {
    const single = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    expect(parse(single)).toEqual(whole);
  });
});
