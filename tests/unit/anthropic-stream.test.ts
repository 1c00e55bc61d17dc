// The Anthropic SSE encoder: golden transcripts in the event order Claude Code
// expects (B.13 #73), the block invariants (#74), stop reasons (#75), ping
// (#76), the error frame (#77), and byte-split robustness (B.1 #5).
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { AnthropicStreamEncoder, pingFrame, type MessageMeta } from "../../src/dialects/anthropic/stream.js";
import { GatewayError } from "../../src/core/gateway-error.js";
import type { TurnEvent } from "../../src/core/turn.js";

const META: MessageMeta = { id: "msg_1", model: "claude-sonnet-4-5", thinking: true, inputTokens: 9 };

const frame = (event: string, data: string) => `event: ${event}\ndata: ${data}\n\n`;
const MESSAGE_START = frame(
  "message_start",
  '{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":0}}}',
);
const blockStart = (index: number, block: string) => frame("content_block_start", `{"type":"content_block_start","index":${index},"content_block":${block}}`);
const blockDelta = (index: number, delta: string) => frame("content_block_delta", `{"type":"content_block_delta","index":${index},"delta":${delta}}`);
const blockStop = (index: number) => frame("content_block_stop", `{"type":"content_block_stop","index":${index}}`);
const messageEnd = (stopReason: string, usage: string) =>
  frame("message_delta", `{"type":"message_delta","delta":{"stop_reason":"${stopReason}","stop_sequence":null},"usage":${usage}}`) +
  frame("message_stop", '{"type":"message_stop"}');

/** Runs a whole turn through a fresh encoder, as the route does, with optional pings between events. */
function encodeTurn(events: (TurnEvent | "ping")[], meta: MessageMeta = META): string {
  const encoder = new AnthropicStreamEncoder(meta);
  let out = encoder.start();
  for (const event of events) out += event === "ping" ? pingFrame() : encoder.encode(event);
  return out + encoder.end();
}

const usage = (promptTokens: number, completionTokens: number): TurnEvent => ({ type: "usage", usage: { promptTokens, completionTokens } });
const upstreamFailure = () => new GatewayError({ status: 502, message: "The model provider failed: boom", code: "upstream_error" });

interface Frame {
  event: string | undefined;
  data: Record<string, unknown> & { type: string };
}

function parseFrames(text: string): Frame[] {
  const frames: Frame[] = [];
  const parser = createParser({ onEvent: (message) => frames.push({ event: message.event, data: JSON.parse(message.data) }) });
  parser.feed(text);
  return frames;
}

/**
 * B.13 #73/#74: every frame names its type twice; message_start first; block
 * indices from 0 in steps of 1; one block open at a time; deltas target the
 * open block; every started block stopped before message_delta; message_stop
 * last. A stream ending in `error` must have nothing after it.
 */
function assertInvariants(text: string): void {
  const frames = parseFrames(text).filter((f) => f.event !== "ping");
  for (const f of frames) expect(f.data.type).toBe(f.event);
  expect(frames[0]?.event).toBe("message_start");
  let open: number | undefined;
  let next = 0;
  let ended = false;
  for (const [i, f] of frames.entries()) {
    const index = f.data.index as number | undefined;
    switch (f.event) {
      case "content_block_start":
        expect(open, `block ${index} started while ${open} open`).toBeUndefined();
        expect(index).toBe(next++);
        open = index;
        break;
      case "content_block_delta":
        expect(index).toBe(open);
        break;
      case "content_block_stop":
        expect(index).toBe(open);
        open = undefined;
        break;
      case "message_delta":
        expect(open, "a block is still open at message_delta").toBeUndefined();
        ended = true;
        break;
      case "message_stop":
        expect(ended).toBe(true);
        expect(i).toBe(frames.length - 1);
        break;
      case "error":
        expect(i).toBe(frames.length - 1);
        break;
    }
  }
}

describe("anthropic stream encoder: golden transcripts (B.13 #73)", () => {
  it("text, with a ping in between and cumulative usage on message_delta", () => {
    const out = encodeTurn([{ type: "text", delta: "Hel" }, "ping", { type: "text", delta: "lo" }, usage(12, 3), { type: "finish", reason: "stop" }]);
    expect(out).toBe(
      MESSAGE_START +
        blockStart(0, '{"type":"text","text":""}') +
        blockDelta(0, '{"type":"text_delta","text":"Hel"}') +
        frame("ping", '{"type":"ping"}') +
        blockDelta(0, '{"type":"text_delta","text":"lo"}') +
        blockStop(0) +
        messageEnd("end_turn", '{"input_tokens":12,"output_tokens":3}'),
    );
    assertInvariants(out);
  });

  it("text then a tool_use block with id and name on the block, input as input_json_delta", () => {
    const out = encodeTurn([
      { type: "text", delta: "Checking." },
      { type: "tool_call_start", index: 0, id: "toolu_a", name: "get_weather" },
      { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":' },
      { type: "tool_call_delta", index: 0, argumentsDelta: '"Paris"}' },
      usage(20, 9),
      { type: "finish", reason: "tool_calls" },
    ]);
    expect(out).toBe(
      MESSAGE_START +
        blockStart(0, '{"type":"text","text":""}') +
        blockDelta(0, '{"type":"text_delta","text":"Checking."}') +
        blockStop(0) +
        blockStart(1, '{"type":"tool_use","id":"toolu_a","name":"get_weather","input":{},"caller":{"type":"direct"}}') +
        blockDelta(1, '{"type":"input_json_delta","partial_json":"{\\"city\\":"}') +
        blockDelta(1, '{"type":"input_json_delta","partial_json":"\\"Paris\\"}"}') +
        blockStop(1) +
        messageEnd("tool_use", '{"input_tokens":20,"output_tokens":9}'),
    );
    assertInvariants(out);
  });

  it("thinking, then text, when the request turned thinking on", () => {
    const out = encodeTurn([{ type: "reasoning", delta: "Let me think." }, { type: "text", delta: "42" }, usage(5, 2), { type: "finish", reason: "stop" }]);
    expect(out).toBe(
      MESSAGE_START +
        blockStart(0, '{"type":"thinking","thinking":"","signature":""}') +
        blockDelta(0, '{"type":"thinking_delta","thinking":"Let me think."}') +
        blockStop(0) +
        blockStart(1, '{"type":"text","text":""}') +
        blockDelta(1, '{"type":"text_delta","text":"42"}') +
        blockStop(1) +
        messageEnd("end_turn", '{"input_tokens":5,"output_tokens":2}'),
    );
    assertInvariants(out);
  });

  it("drops reasoning entirely when the request did not turn thinking on", () => {
    const out = encodeTurn([{ type: "reasoning", delta: "hidden" }, { type: "text", delta: "42" }, { type: "finish", reason: "stop" }], { ...META, thinking: false });
    expect(out).not.toContain("thinking");
    expect(out).not.toContain("hidden");
    expect(out).toContain(blockStart(0, '{"type":"text","text":""}'));
    assertInvariants(out);
  });

  it("mid-stream failure: an error frame ends the stream, with no block stop, no message_delta and nothing after (B.13 #77)", () => {
    const encoder = new AnthropicStreamEncoder(META);
    let out = encoder.start() + encoder.encode({ type: "text", delta: "partial" });
    out += encoder.encode({ type: "error", error: upstreamFailure() });
    expect(out).toBe(
      MESSAGE_START +
        blockStart(0, '{"type":"text","text":""}') +
        blockDelta(0, '{"type":"text_delta","text":"partial"}') +
        frame("error", '{"type":"error","error":{"type":"overloaded_error","message":"The model provider failed: boom"}}'),
    );
    expect(encoder.encode({ type: "text", delta: "late" })).toBe("");
    expect(encoder.encode({ type: "finish", reason: "stop" })).toBe("");
    expect(encoder.end()).toBe("");
    assertInvariants(out);
  });

  it("failure before any token: message_start then the error frame only", () => {
    const rateLimited = new GatewayError({ status: 429, message: "The model provider is rate limiting requests: slow down" });
    expect(encodeTurn([{ type: "error", error: rateLimited }])).toBe(
      MESSAGE_START + frame("error", '{"type":"error","error":{"type":"rate_limit_error","message":"The model provider is rate limiting requests: slow down"}}'),
    );
  });

  it("events that end with neither finish nor error end with an api_error frame, never a fake end_turn", () => {
    const out = encodeTurn([{ type: "text", delta: "half" }]);
    expect(out).not.toContain("message_delta");
    const last = parseFrames(out).at(-1)!;
    expect(last.event).toBe("error");
    expect(last.data).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect(String((last.data.error as { message: string }).message)).toContain("incomplete");
  });
});

describe("anthropic stream encoder: blocks and stop reasons", () => {
  it("keeps indices from 0 with one block open at a time across text, thinking and several tool calls", () => {
    const out = encodeTurn([
      { type: "reasoning", delta: "a" },
      { type: "text", delta: "b" },
      { type: "reasoning", delta: "c" },
      { type: "tool_call_start", index: 0, id: "toolu_1", name: "f" },
      { type: "tool_call_delta", index: 0, argumentsDelta: "{}" },
      { type: "tool_call_start", index: 1, id: "toolu_2", name: "g" },
      { type: "tool_call_delta", index: 1, argumentsDelta: '{"x":1}' },
      { type: "text", delta: "after" },
      { type: "finish", reason: "stop" },
    ]);
    assertInvariants(out);
    const starts = parseFrames(out).filter((f) => f.event === "content_block_start");
    expect(starts.map((f) => [f.data.index, (f.data.content_block as { type: string }).type])).toEqual([
      [0, "thinking"],
      [1, "text"],
      [2, "thinking"],
      [3, "tool_use"],
      [4, "tool_use"],
      [5, "text"],
    ]);
    expect(parseFrames(out).find((f) => f.event === "message_delta")!.data.delta).toEqual({ stop_reason: "tool_use", stop_sequence: null });
  });

  it("skips empty deltas without opening a block, and ignores a delta for a call that is no longer open", () => {
    const out = encodeTurn([
      { type: "text", delta: "" },
      { type: "tool_call_start", index: 0, id: "toolu_1", name: "f" },
      { type: "tool_call_delta", index: 0, argumentsDelta: "" },
      { type: "tool_call_start", index: 1, id: "toolu_2", name: "g" },
      { type: "tool_call_delta", index: 0, argumentsDelta: '{"stray":1}' },
      { type: "finish", reason: "tool_calls" },
    ]);
    assertInvariants(out);
    expect(out).not.toContain("stray");
    expect(out).not.toContain("text_delta");
    expect(parseFrames(out).filter((f) => f.event === "content_block_start")).toHaveLength(2);
  });

  it.each([
    ["stop", false, "end_turn"],
    ["stop", true, "tool_use"],
    ["tool_calls", true, "tool_use"],
    ["length", false, "max_tokens"],
    ["length", true, "max_tokens"],
    ["content_filter", false, "refusal"],
  ] as const)("maps finish %s (tool called: %s) to stop_reason %s (B.13 #75)", (reason, calledTool, stopReason) => {
    const call: TurnEvent[] = calledTool ? [{ type: "tool_call_start", index: 0, id: "toolu_1", name: "f" }] : [];
    const out = encodeTurn([...call, { type: "finish", reason }]);
    expect(parseFrames(out).find((f) => f.event === "message_delta")!.data.delta).toEqual({ stop_reason: stopReason, stop_sequence: null });
  });

  it("splits cached tokens out of input_tokens, as Anthropic counts them", () => {
    const out = encodeTurn([{ type: "usage", usage: { promptTokens: 100, completionTokens: 7, cachedTokens: 60 } }, { type: "finish", reason: "stop" }]);
    expect(parseFrames(out).find((f) => f.event === "message_delta")!.data.usage).toEqual({
      input_tokens: 40,
      output_tokens: 7,
      cache_read_input_tokens: 60,
    });
  });

  it("falls back to the input estimate when the turn reported no usage", () => {
    const out = encodeTurn([{ type: "finish", reason: "stop" }]);
    expect(out).toBe(MESSAGE_START + messageEnd("end_turn", '{"input_tokens":9,"output_tokens":0}'));
  });

  it("writes message_start once, even when encode comes first", () => {
    const encoder = new AnthropicStreamEncoder(META);
    const out = encoder.encode({ type: "text", delta: "x" }) + encoder.start() + encoder.encode({ type: "finish", reason: "stop" });
    expect(out.match(/event: message_start/g)).toHaveLength(1);
    expect(out.startsWith(MESSAGE_START)).toBe(true);
  });

  it("ping is Anthropic's own keep-alive frame (B.13 #76)", () => {
    expect(pingFrame()).toBe('event: ping\ndata: {"type":"ping"}\n\n');
    expect(new AnthropicStreamEncoder(META).ping()).toBe(pingFrame());
  });
});

describe("anthropic stream encoder: byte-split robustness (B.1 #5)", () => {
  function parse(chunks: Uint8Array[]): EventSourceMessage[] {
    const events: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (message) => events.push(message) });
    const decoder = new TextDecoder();
    for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
    parser.feed(decoder.decode());
    return events;
  }

  const transcript = encodeTurn([
    { type: "reasoning", delta: "Réflexion… 🤔" },
    { type: "text", delta: "héllo " },
    "ping",
    { type: "text", delta: "🌍 日本" },
    { type: "tool_call_start", index: 0, id: "toolu_ü", name: "wörld" },
    { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":"東京"}' },
    "ping",
    usage(5, 6),
    { type: "finish", reason: "tool_calls" },
  ]);
  const bytes = new TextEncoder().encode(transcript);
  const whole = parse([bytes]);

  it("parses unsplit into the expected events", () => {
    expect(bytes.length).toBeGreaterThan(transcript.length); // multi-byte characters present
    expect(whole.map((event) => event.event)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "ping",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "ping",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    assertInvariants(transcript);
  });

  it("reassembles identical events when split into two at every byte offset", () => {
    for (let offset = 0; offset <= bytes.length; offset++) {
      expect(parse([bytes.subarray(0, offset), bytes.subarray(offset)]), `split at byte ${offset}`).toEqual(whole);
    }
  });

  it("reassembles identical events from 1-byte chunks", () => {
    expect(parse(Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1)))).toEqual(whole);
  });
});
