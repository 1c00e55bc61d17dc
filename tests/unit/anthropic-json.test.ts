// The buffered Anthropic message (B.13 #78), and its parity with the stream:
// the Anthropic SDK's own accumulator, fed the encoder's events, must build
// the very message collectMessage returns.
import { MessageStream } from "@anthropic-ai/sdk/lib/MessageStream";
import { createParser } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { collectMessage } from "../../src/dialects/anthropic/json.js";
import { AnthropicStreamEncoder, type MessageMeta } from "../../src/dialects/anthropic/stream.js";
import { GatewayError } from "../../src/core/gateway-error.js";
import type { TurnEvent } from "../../src/core/turn.js";

const META: MessageMeta = { id: "msg_1", model: "claude-sonnet-4-5", thinking: true, inputTokens: 9 };

async function* from(events: TurnEvent[]): AsyncGenerator<TurnEvent> {
  for (const event of events) yield event;
}

const TOOL_TURN: TurnEvent[] = [
  { type: "reasoning", delta: "Need weather." },
  { type: "text", delta: "Checking " },
  { type: "text", delta: "now." },
  { type: "tool_call_start", index: 0, id: "toolu_a", name: "get_weather" },
  { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":' },
  { type: "tool_call_delta", index: 0, argumentsDelta: '"Paris"}' },
  { type: "tool_call_start", index: 1, id: "toolu_b", name: "get_time" },
  { type: "usage", usage: { promptTokens: 30, completionTokens: 12, cachedTokens: 10 } },
  { type: "finish", reason: "tool_calls" },
];

describe("collectMessage", () => {
  it("builds the message with blocks in order, parsed tool inputs, tool_use stop reason and usage", async () => {
    const { body, usageReported } = await collectMessage(from(TOOL_TURN), META);
    expect(body).toEqual({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [
        { type: "thinking", thinking: "Need weather.", signature: "" },
        { type: "text", text: "Checking now." },
        { type: "tool_use", id: "toolu_a", name: "get_weather", input: { city: "Paris" }, caller: { type: "direct" } },
        { type: "tool_use", id: "toolu_b", name: "get_time", input: {}, caller: { type: "direct" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 20, output_tokens: 12, cache_read_input_tokens: 10 },
    });
    expect(usageReported).toBe(true);
  });

  it("leaves out thinking when the request did not turn it on", async () => {
    const { body } = await collectMessage(from(TOOL_TURN), { ...META, thinking: false });
    expect(body.content.map((block) => block.type)).toEqual(["text", "tool_use", "tool_use"]);
  });

  it("returns empty content for an empty answer, and says when usage is an estimate", async () => {
    const { body, usageReported } = await collectMessage(
      from([{ type: "usage", usage: { promptTokens: 3, completionTokens: 0, estimated: true } }, { type: "finish", reason: "length" }]),
      META,
    );
    expect(body.content).toEqual([]);
    expect(body.stop_reason).toBe("max_tokens");
    expect(body.usage).toEqual({ input_tokens: 3, output_tokens: 0 });
    expect(usageReported).toBe(false);
  });

  it("throws the turn's error", async () => {
    const error = new GatewayError({ status: 429, message: "slow down" });
    await expect(collectMessage(from([{ type: "text", delta: "x" }, { type: "error", error }]), META)).rejects.toBe(error);
  });

  it("throws a 502 upstream_incomplete when the turn ended without finishing", async () => {
    await expect(collectMessage(from([{ type: "text", delta: "half" }]), META)).rejects.toMatchObject({ status: 502, code: "upstream_incomplete" });
  });

  it("throws a 502 when a tool's arguments are not a JSON object", async () => {
    const events: TurnEvent[] = [
      { type: "tool_call_start", index: 0, id: "toolu_a", name: "f" },
      { type: "tool_call_delta", index: 0, argumentsDelta: "[1," },
      { type: "finish", reason: "tool_calls" },
    ];
    await expect(collectMessage(from(events), META)).rejects.toMatchObject({ status: 502, code: "invalid_tool_arguments" });
  });
});

describe("stream/JSON parity", () => {
  /** The encoder's SSE → the JSON lines `MessageStream.fromReadableStream` reads → the SDK's final message. */
  async function sdkAccumulated(events: TurnEvent[]) {
    const encoder = new AnthropicStreamEncoder(META);
    const sse = encoder.start() + events.map((event) => encoder.encode(event)).join("") + encoder.end();
    const lines: string[] = [];
    createParser({ onEvent: (message) => message.event !== "ping" && lines.push(message.data) }).feed(sse);
    const body = new Response(lines.join("\n") + "\n").body!;
    return MessageStream.fromReadableStream(body).finalMessage();
  }

  it("the Anthropic SDK's accumulator builds from the stream the message collectMessage returns", async () => {
    const [streamed, { body }] = await Promise.all([sdkAccumulated(TOOL_TURN), collectMessage(from(TOOL_TURN), META)]);
    // The SDK adds fields of its own (`parsed_output`, `stop_details`); every field of ours must match exactly.
    const { parsed_output: _parsed, stop_details: _details, ...sdkFields } = JSON.parse(JSON.stringify(streamed)) as Record<string, unknown>;
    expect(sdkFields).toEqual(body);
  });

  it("agrees for a plain text answer", async () => {
    const events: TurnEvent[] = [{ type: "text", delta: "Hi " }, { type: "text", delta: "there" }, { type: "usage", usage: { promptTokens: 4, completionTokens: 2 } }, { type: "finish", reason: "stop" }];
    const [streamed, { body }] = await Promise.all([sdkAccumulated(events), collectMessage(from(events), META)]);
    expect(streamed).toMatchObject(body);
    expect(body.content).toEqual([{ type: "text", text: "Hi there" }]);
  });
});
