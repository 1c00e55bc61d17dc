import { createParser, type EventSourceMessage } from "eventsource-parser";
import { accumulateResponse } from "openai/lib/responses/ResponseAccumulator";
import type { Response as OpenAIResponse, ResponseStreamEvent } from "openai/resources/responses/responses";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/core/gateway-error.js";
import type { TurnEvent } from "../../src/core/turn.js";
import type { ResponseEcho, ResponseMeta } from "../../src/dialects/responses/response-object.js";
import { keepAliveFrame, ResponsesStreamEncoder } from "../../src/dialects/responses/stream.js";
import { ToolRoutes } from "../../src/dialects/responses/tool-routes.js";

const ECHO: ResponseEcho = {
  model: "m",
  instructions: null,
  max_output_tokens: null,
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: null, summary: null },
  store: true,
  temperature: null,
  text: { format: { type: "text" } },
  tool_choice: "auto",
  tools: [],
  top_p: null,
  truncation: "disabled",
  metadata: {},
};

function customApplyPatch(): ToolRoutes {
  const routes = new ToolRoutes();
  routes.offer({ name: "apply_patch", kind: "custom" });
  return routes;
}

function testMeta(overrides: Partial<ResponseMeta> = {}): ResponseMeta {
  let n = 0;
  return { id: "resp_1", createdAt: 1, echo: ECHO, reasoning: false, itemId: (prefix) => `${prefix}_${++n}`, now: () => 2, ...overrides };
}

/** Runs a whole turn through a fresh encoder, as the route does, with optional keep-alives between events. */
function encodeTurn(events: (TurnEvent | "keep-alive")[], meta = testMeta()): string {
  const encoder = new ResponsesStreamEncoder(meta);
  let out = encoder.start();
  for (const event of events) out += event === "keep-alive" ? keepAliveFrame() : encoder.encode(event);
  return out + encoder.end();
}

interface Frame {
  event: string;
  data: Record<string, any>;
}

function framesOf(sse: string): Frame[] {
  const frames: Frame[] = [];
  const parser = createParser({ onEvent: (message) => frames.push({ event: message.event ?? "", data: JSON.parse(message.data) }) });
  parser.feed(sse);
  return frames;
}

/** Folds the events with openai-node's own accumulator, the one `responses.stream().finalResponse()` uses. */
function accumulate(frames: Frame[]): OpenAIResponse {
  let snapshot: OpenAIResponse | undefined;
  for (const frame of frames) snapshot = accumulateResponse(frame.data as ResponseStreamEvent, snapshot);
  return snapshot!;
}

const TEXT_TURN: TurnEvent[] = [
  { type: "text", delta: "Hel" },
  { type: "text", delta: "lo" },
  { type: "usage", usage: { promptTokens: 5, completionTokens: 2, cachedTokens: 1 } },
  { type: "finish", reason: "stop" },
];

const CALL_TURN: TurnEvent[] = [
  { type: "text", delta: "Let me look." },
  { type: "tool_call_start", index: 0, id: "call_a", name: "get_weather" },
  { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":' },
  { type: "tool_call_delta", index: 0, argumentsDelta: '"Paris"}' },
  { type: "tool_call_start", index: 1, id: "call_b", name: "now" },
  { type: "usage", usage: { promptTokens: 12, completionTokens: 9 } },
  { type: "finish", reason: "tool_calls" },
];

describe("responses stream encoder: golden sequences", () => {
  it("text: the full standard sequence, then response.completed with usage", () => {
    const frames = framesOf(encodeTurn(TEXT_TURN));
    expect(frames.map((f) => f.event)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(frames[0]!.data).toMatchObject({ type: "response.created", sequence_number: 0, response: { id: "resp_1", object: "response", status: "in_progress", output: [] } });
    // Not counted yet: no usage at all (OpenAI's schema has no null for it).
    expect(frames[0]!.data.response).not.toHaveProperty("usage");
    expect(frames[2]!.data).toEqual({
      type: "response.output_item.added",
      sequence_number: 2,
      output_index: 0,
      item: { id: "msg_1", type: "message", status: "in_progress", role: "assistant", content: [] },
    });
    expect(frames[3]!.data).toEqual({
      type: "response.content_part.added",
      sequence_number: 3,
      output_index: 0,
      item_id: "msg_1",
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [], logprobs: [] },
    });
    expect(frames[4]!.data).toEqual({
      type: "response.output_text.delta",
      sequence_number: 4,
      output_index: 0,
      item_id: "msg_1",
      content_index: 0,
      delta: "Hel",
      logprobs: [],
    });
    expect(frames[6]!.data).toMatchObject({ type: "response.output_text.done", item_id: "msg_1", text: "Hello" });
    const message = { id: "msg_1", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hello", annotations: [], logprobs: [] }] };
    expect(frames[8]!.data).toEqual({ type: "response.output_item.done", sequence_number: 8, output_index: 0, item: message });
    expect(frames[9]!.data.response).toMatchObject({
      id: "resp_1",
      status: "completed",
      completed_at: 2,
      error: null,
      incomplete_details: null,
      output: [message],
      usage: { input_tokens: 5, input_tokens_details: { cached_tokens: 1 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 7 },
    });
  });

  it("function calls: added with call_id, name and empty arguments; deltas; done; an argument-less call gets {}", () => {
    const frames = framesOf(encodeTurn(CALL_TURN));
    expect(frames.map((f) => f.event)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(frames[8]!.data.item).toEqual({ id: "fc_2", type: "function_call", status: "in_progress", call_id: "call_a", name: "get_weather", arguments: "" });
    expect(frames[9]!.data).toMatchObject({ output_index: 1, item_id: "fc_2", delta: '{"city":' });
    expect(frames[11]!.data).toMatchObject({ output_index: 1, item_id: "fc_2", name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(frames[14]!.data).toMatchObject({ output_index: 2, item_id: "fc_3", delta: "{}" });
    const output = frames.at(-1)!.data.response.output;
    expect(output.map((item: { type: string }) => item.type)).toEqual(["message", "function_call", "function_call"]);
    expect(output[2]).toEqual({ id: "fc_3", type: "function_call", status: "completed", call_id: "call_b", name: "now", arguments: "{}" });
  });

  it("a custom tool call: added with empty input, then the raw input once its JSON arguments are whole", () => {
    const frames = framesOf(
      encodeTurn(
        [
          { type: "tool_call_start", index: 0, id: "call_p", name: "apply_patch" },
          { type: "tool_call_delta", index: 0, argumentsDelta: '{"input":"*** Begin' },
          { type: "tool_call_delta", index: 0, argumentsDelta: ' Patch\\n"}' },
          { type: "finish", reason: "tool_calls" },
        ],
        testMeta({ toolRoutes: customApplyPatch() }),
      ),
    );
    expect(frames.map((f) => f.event)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.custom_tool_call_input.delta",
      "response.custom_tool_call_input.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(frames[2]!.data.item).toEqual({ id: "ctc_1", type: "custom_tool_call", status: "in_progress", call_id: "call_p", name: "apply_patch", input: "" });
    expect(frames[3]!.data).toMatchObject({ item_id: "ctc_1", output_index: 0, delta: "*** Begin Patch\n" });
    const item = { id: "ctc_1", type: "custom_tool_call", status: "completed", call_id: "call_p", name: "apply_patch", input: "*** Begin Patch\n" };
    expect(frames[5]!.data.item).toEqual(item);
    expect(frames.at(-1)!.data.response.output).toEqual([item]);
    expect(accumulate(frames).output).toEqual([item]);
  });

  it("a namespace member's call: the function_call item carries its namespace and its own name", () => {
    const routes = new ToolRoutes();
    const offered = routes.offer({ name: "spawn_agent", namespace: "multi_agent_v1", kind: "function" });
    const frames = framesOf(
      encodeTurn(
        [
          { type: "tool_call_start", index: 0, id: "call_s", name: offered },
          { type: "tool_call_delta", index: 0, argumentsDelta: '{"task":"x"}' },
          { type: "finish", reason: "tool_calls" },
        ],
        testMeta({ toolRoutes: routes }),
      ),
    );
    expect(frames[2]!.data.item).toEqual({ id: "fc_1", type: "function_call", status: "in_progress", call_id: "call_s", namespace: "multi_agent_v1", name: "spawn_agent", arguments: "" });
    const item = { id: "fc_1", type: "function_call", status: "completed", call_id: "call_s", namespace: "multi_agent_v1", name: "spawn_agent", arguments: '{"task":"x"}' };
    expect(frames.at(-1)!.data.response.output).toEqual([item]);
    expect(accumulate(frames).output).toEqual([item]);
  });

  it("failure after output: response.failed with response.error {code, message}, and nothing after it", () => {
    const failure = new GatewayError({ status: 502, message: "Upstream session failed", code: "upstream_error" });
    const out = encodeTurn([{ type: "text", delta: "par" }, { type: "error", error: failure }, { type: "text", delta: "late" }]);
    const frames = framesOf(out);
    expect(frames.map((f) => f.event)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.failed",
    ]);
    const failed = frames.at(-1)!.data;
    expect(Object.keys(failed)).not.toContain("error");
    // The spec's error codes: a failing provider is a server_error.
    expect(failed.response).toMatchObject({ status: "failed", error: { code: "server_error", message: "Upstream session failed" }, completed_at: null });
    expect(failed.response.output[0]).toMatchObject({ id: "msg_1", status: "incomplete" });
  });

  it("a rate-limit failure tells Codex when to retry, in the words it parses", () => {
    const limited = new GatewayError({ status: 429, message: "The model provider is rate limiting requests: slow down", code: "rate_limit_exceeded", retryAfterSeconds: 7 });
    const failed = framesOf(encodeTurn([{ type: "error", error: limited }])).at(-1)!.data;
    expect(failed.response.error).toEqual({ code: "rate_limit_exceeded", message: "The model provider is rate limiting requests: slow down Please try again in 7s." });
  });

  it("events that stop with neither finish nor error end with response.failed upstream_incomplete", () => {
    const frames = framesOf(encodeTurn([{ type: "text", delta: "partial" }]));
    expect(frames.at(-1)!.data.response).toMatchObject({ status: "failed", error: { code: "server_error", message: "The model's turn ended before it finished; the answer is incomplete." } });
  });

  it("length → response.incomplete with incomplete_details max_output_tokens and an incomplete message", () => {
    const frames = framesOf(encodeTurn([{ type: "text", delta: "cut" }, { type: "finish", reason: "length" }]));
    const last = frames.at(-1)!;
    expect(last.event).toBe("response.incomplete");
    expect(last.data.response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, completed_at: null });
    expect(last.data.response.output[0].status).toBe("incomplete");
    expect(last.data.response.usage).toMatchObject({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
  });

  it("an empty answer still carries one (empty) message", () => {
    const frames = framesOf(encodeTurn([{ type: "finish", reason: "stop" }]));
    expect(frames.at(-1)!.data.response.output).toEqual([
      { id: "msg_1", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "", annotations: [], logprobs: [] }] },
    ]);
  });

  it("reasoning becomes a reasoning item with a summary only when asked for", () => {
    const turn: TurnEvent[] = [{ type: "reasoning", delta: "think" }, { type: "reasoning", delta: "ing" }, { type: "text", delta: "A" }, { type: "finish", reason: "stop" }];
    const without = framesOf(encodeTurn(turn));
    expect(without.some((f) => f.event.includes("reasoning"))).toBe(false);
    const frames = framesOf(encodeTurn(turn, testMeta({ reasoning: true })));
    expect(frames.map((f) => f.event).slice(2, 10)).toEqual([
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
      "response.output_item.added",
    ]);
    expect(frames[2]!.data.item).toEqual({ id: "rs_1", type: "reasoning", summary: [] });
    expect(frames[4]!.data).toMatchObject({ item_id: "rs_1", output_index: 0, summary_index: 0, delta: "think" });
    const output = frames.at(-1)!.data.response.output;
    expect(output[0]).toEqual({ id: "rs_1", type: "reasoning", summary: [{ type: "summary_text", text: "thinking" }] });
    expect(output[1]).toMatchObject({ id: "msg_2", type: "message" });
    expect(accumulate(frames).output).toEqual(output);
  });

  it("numbers every event from 0 in order, keeps item ids consistent, and ignores events after the end", () => {
    for (const turn of [TEXT_TURN, CALL_TURN]) {
      const encoder = new ResponsesStreamEncoder(testMeta());
      let out = encoder.start();
      for (const event of turn) out += encoder.encode(event);
      expect(encoder.settled).toBe(true);
      expect(encoder.encode({ type: "text", delta: "late" })).toBe("");
      expect(encoder.encode({ type: "finish", reason: "stop" })).toBe("");
      expect(encoder.end()).toBe("");
      const frames = framesOf(out);
      expect(frames.map((f) => f.data.sequence_number)).toEqual(frames.map((_, i) => i));
      for (const frame of frames) expect(frame.data.type).toBe(frame.event);
      const final = frames.at(-1)!.data.response;
      for (const frame of frames) {
        if (frame.data.item_id === undefined) continue;
        expect(final.output[frame.data.output_index].id).toBe(frame.data.item_id);
      }
    }
  });

  it("openai-node's accumulator rebuilds exactly the object response.completed carries", () => {
    for (const turn of [TEXT_TURN, CALL_TURN]) {
      const frames = framesOf(encodeTurn(turn));
      // Replay all but the final event: the accumulated snapshot must already hold the whole output.
      const beforeEnd = accumulate(frames.slice(0, -1));
      const final = frames.at(-1)!.data.response;
      expect(beforeEnd.output).toEqual(final.output);
      expect(accumulate(frames)).toMatchObject(final);
    }
  });

  it("writes every frame as `event:` + one `data:` line whose type matches", () => {
    const out = encodeTurn([{ type: "text", delta: "a\n\nb\r\n" }, { type: "tool_call_start", index: 0, id: "c", name: "f" }, { type: "tool_call_delta", index: 0, argumentsDelta: '{"s":"\\n"}' }, { type: "finish", reason: "stop" }]);
    const frames = out.split("\n\n");
    expect(frames.pop()).toBe("");
    for (const frame of frames) {
      expect(frame).toMatch(/^event: [a-z_.]+\ndata: [^\n\r]+$/);
      const [eventLine, dataLine] = frame.split("\n");
      expect(JSON.parse(dataLine!.slice("data: ".length)).type).toBe(eventLine!.slice("event: ".length));
    }
  });

  it("keepAliveFrame is an SSE comment", () => {
    expect(keepAliveFrame()).toBe(": keep-alive\n\n");
  });
});

describe("responses stream encoder: byte-level re-parse (B.1 #5)", () => {
  function parse(chunks: Uint8Array[]): { events: EventSourceMessage[]; comments: string[] } {
    const parsed = { events: [] as EventSourceMessage[], comments: [] as string[] };
    const parser = createParser({ onEvent: (message) => parsed.events.push(message), onComment: (comment) => parsed.comments.push(comment) });
    const decoder = new TextDecoder();
    for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
    parser.feed(decoder.decode());
    return parsed;
  }

  const body = encodeTurn([
    { type: "text", delta: "héllo — 世界 🚀" },
    "keep-alive",
    { type: "tool_call_start", index: 0, id: "call_ü", name: "f" },
    { type: "tool_call_delta", index: 0, argumentsDelta: '{"q":"ñ"}' },
    { type: "usage", usage: { promptTokens: 1, completionTokens: 2 } },
    { type: "finish", reason: "tool_calls" },
  ]);
  const bytes = new TextEncoder().encode(body);
  const whole = parse([bytes]);

  it("parses unsplit into the expected events, with the keep-alive as a comment only", () => {
    expect(whole.comments).toEqual(["keep-alive"]);
    expect(whole.events.at(-1)!.event).toBe("response.completed");
    expect(whole.events.every((event) => JSON.parse(event.data).type === event.event)).toBe(true);
  });

  it("reassembles identical events when split into two at every byte offset", () => {
    for (let offset = 0; offset <= bytes.length; offset++) {
      const split = parse([bytes.subarray(0, offset), bytes.subarray(offset)]);
      expect(split, `split at byte ${offset}`).toEqual(whole);
    }
  });
});
