// runTurn's event translation, on recorded turns: the TurnEvents a client sees
// and the outcome its owner gets, for every way a turn was seen to go —
// and every translation well-formed (core/turn.ts), whatever the limits.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GatewayError } from "../../src/core/gateway-error.js";
import type { TranslationSettings } from "../../src/turns/turn-translator.js";
import { eventsOf, RECORDED_TURNS, recordedTurn } from "../fixtures/recorded-turns.js";
import { DEADLINE_MS, eventsBefore, expectWellFormed, PROMPT_CHARS, reported, requestIdOf, translate, userMessageId } from "../support/turn-translation.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("TurnTranslator: answers", () => {
  it("passes a plain answer on, with the runtime's usage, and ends with stop", () => {
    const { events, outcome } = translate("plain-text");
    expect(events).toEqual([
      { type: "text", delta: "Hello" },
      { type: "text", delta: ", wor" },
      { type: "text", delta: "ld!" },
      { type: "usage", usage: reported(11, 7) },
      { type: "finish", reason: "stop" },
    ]);
    expect(outcome).toEqual({ kind: "completed", answer: { text: "Hello, world!", toolCalls: [], userMessageEventId: userMessageId("plain-text") } });
  });

  it("passes reasoning on before the answer", () => {
    const { events } = translate("reasoning");
    expect(events.slice(0, 4)).toEqual([
      { type: "reasoning", delta: "The user " },
      { type: "reasoning", delta: "greets me." },
      { type: "text", delta: "Hi " },
      { type: "text", delta: "there." },
    ]);
    expect(events[4]).toMatchObject({ type: "usage", usage: { cachedTokens: 32, reasoningTokens: 5 } });
  });

  it("remembers the first user message a turn sent, where the conversation can be forked", () => {
    const { outcome } = translate("two-user-messages");
    expect(eventsOf(recordedTurn("two-user-messages"), "user.message")).toHaveLength(2);
    expect(outcome).toMatchObject({ kind: "completed", answer: { userMessageEventId: userMessageId("two-user-messages") } });
  });

  it("answers the turn after the client's tool results in text, with no user message to fork at", () => {
    const { events, outcome } = translate("tool-results-answered");
    expect(events).toEqual([
      { type: "text", delta: "Sunny in " },
      { type: "text", delta: "Rome." },
      { type: "usage", usage: reported(60, 4) },
      { type: "finish", reason: "stop" },
    ]);
    expect(outcome).toEqual({ kind: "completed", answer: { text: "Sunny in Rome.", toolCalls: [] } });
  });
});

describe("TurnTranslator: client tool calls", () => {
  it("hands one call to the client once the session waits on it", () => {
    const { events, outcome } = translate("one-tool-call");
    expect(events).toEqual([
      { type: "tool_call_start", index: 0, id: "call_weather_1", name: "get_weather" },
      { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":' },
      { type: "tool_call_delta", index: 0, argumentsDelta: '"Paris"}' },
      { type: "usage", usage: reported(10, 5) },
      { type: "finish", reason: "tool_calls" },
    ]);
    expect(outcome).toEqual({
      kind: "tool_calls_pending",
      answer: { text: "", toolCalls: [{ id: "call_weather_1", name: "get_weather", arguments: '{"city":"Paris"}' }], userMessageEventId: userMessageId("one-tool-call") },
      pending: [{ toolCallId: "call_weather_1", requestId: requestIdOf("one-tool-call", "call_weather_1") }],
    });
  });

  it("hands parallel calls over together, after the text before them, in the model's order", () => {
    const { events, outcome, declined } = translate("parallel-tool-calls");
    expect(events.map((event) => event.type)).toEqual(["text", "tool_call_start", "tool_call_delta", "tool_call_delta", "tool_call_start", "tool_call_delta", "usage", "finish"]);
    expect(events.at(-1)).toEqual({ type: "finish", reason: "tool_calls" });
    expect(declined).toEqual([]);
    expect(outcome).toMatchObject({
      kind: "tool_calls_pending",
      answer: { text: "Checking both." },
      pending: [
        { toolCallId: "call_weather_2", requestId: requestIdOf("parallel-tool-calls", "call_weather_2") },
        { toolCallId: "call_time_2", requestId: requestIdOf("parallel-tool-calls", "call_time_2") },
      ],
    });
  });

  it("shows one call when parallel tool calls are off, and declines the other the session waits on", () => {
    const { events, outcome, declined } = translate("parallel-tool-calls", { parallelToolCalls: false });
    expect(events.filter((event) => event.type === "tool_call_start")).toEqual([{ type: "tool_call_start", index: 0, id: "call_weather_2", name: "get_weather" }]);
    expect(declined).toEqual([{ toolCallId: "call_time_2", requestId: requestIdOf("parallel-tool-calls", "call_time_2") }]);
    expect(outcome).toMatchObject({ kind: "tool_calls_pending", pending: [{ toolCallId: "call_weather_2" }] });
  });

  it("gives a call without arguments '{}'", () => {
    const { events } = translate("tool-call-without-arguments");
    expect(events.slice(0, 2)).toEqual([
      { type: "tool_call_start", index: 0, id: "call_time_3", name: "get_time" },
      { type: "tool_call_delta", index: 0, argumentsDelta: "{}" },
    ]);
  });
});

describe("TurnTranslator: answers cut short", () => {
  it("ends for length when the model did, before the runtime's own 'Please continue' call", () => {
    const { events, outcome } = translate("finish-length");
    expect(events).toEqual([
      { type: "text", delta: "The first part" },
      { type: "usage", usage: reported(10, 3) },
      { type: "finish", reason: "length" },
    ]);
    expect(outcome).toEqual({ kind: "ended_early" });
  });

  it("ends with content_filter when the model's filter stopped it", () => {
    const { events, outcome } = translate("content-filter");
    expect(events.at(-1)).toEqual({ type: "finish", reason: "content_filter" });
    expect(outcome).toEqual({ kind: "ended_early" });
  });

  it("ends before a stop sequence, with usage estimated since the runtime has reported none yet", () => {
    const { events, outcome } = translate("plain-text", { stop: ["wor"] });
    expect(events).toEqual([
      { type: "text", delta: "Hello" },
      { type: "text", delta: ", " },
      { type: "usage", usage: { promptTokens: PROMPT_CHARS / 4, completionTokens: 2, estimated: true } },
      { type: "finish", reason: "stop" },
    ]);
    expect(outcome).toEqual({ kind: "ended_early" });
  });

  it("passes on text held back for a stop sequence that never came", () => {
    const { events, outcome } = translate("plain-text", { stop: ["!?"] });
    expect(events.filter((event) => event.type === "text").map((event) => event.delta)).toEqual(["Hello", ", wor", "ld", "!"]);
    // The ledger records what the client was shown, the flushed "!" too: the client's next request sends it back, and must match.
    expect(outcome).toMatchObject({ kind: "completed", answer: { text: "Hello, world!" } });
  });

  it("cuts the answer at max output tokens and ends for length", () => {
    const { events, outcome } = translate("plain-text", { maxOutputTokens: 2 });
    expect(events).toEqual([
      { type: "text", delta: "Hello" },
      { type: "text", delta: ", w" },
      { type: "usage", usage: { promptTokens: 10, completionTokens: 2, estimated: true } },
      { type: "finish", reason: "length" },
    ]);
    expect(outcome).toEqual({ kind: "ended_early" });
  });
});

describe("TurnTranslator: failures", () => {
  it("passes a rejected prompt on as the provider's context error", () => {
    const { events, outcome } = translate("context-too-long");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "error", error: { status: 400, code: "context_length_exceeded" } });
    expect(outcome?.kind).toBe("failed");
  });

  it("fails with the runtime's session error once its retries are spent", () => {
    const { events } = translate("upstream-keeps-failing");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "error", error: { status: 502, code: "upstream_error" } });
    expect((events[0] as { error: GatewayError }).error.message).toContain("retried 5 times");
  });

  it("fails at the deadline with the failure the runtime is still retrying", () => {
    const { translation, events } = translate("upstream-keeps-failing", {}, eventsBefore("upstream-keeps-failing", "session.error"));
    expect(events).toEqual([]);
    vi.advanceTimersByTime(DEADLINE_MS);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "error", error: { status: 502, code: "upstream_error" } });
    expect((events[0] as { error: GatewayError }).error.message).toContain("still failing after 30 s of retries");
    // The runtime's session.error comes too late: the turn is over.
    for (const event of recordedTurn("upstream-keeps-failing").events) translation.handle(event);
    expect(events).toHaveLength(1);
  });

  it("passes a 429 on at once instead of waiting out the runtime's back-off", () => {
    const { events, outcome } = translate("upstream-rate-limited");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "error", error: { status: 429, code: "rate_limit_exceeded", retryAfterSeconds: 5 } });
    expect(outcome?.kind).toBe("failed");
  });

  it("fails at the first failure after output, rather than let a retry send the answer twice", () => {
    const { events } = translate("body-cut-after-text");
    expect(events.map((event) => event.type)).toEqual(["text", "error"]);
    const { error } = events[1] as { error: GatewayError };
    expect(error).toMatchObject({ status: 502, code: "upstream_error" });
    // The runtime names the provider's address; the client is not told it.
    expect(error.message).not.toContain("127.0.0.1");
  });

  it("fails a turn the runtime reports aborted", () => {
    const { events } = translate("aborted-mid-answer");
    expect(events[0]).toEqual({ type: "text", delta: "Once upon" });
    expect(events[1]).toMatchObject({ type: "error", error: { status: 502, message: expect.stringContaining("aborted") } });
  });
});

describe("TurnTranslator: the client going away", () => {
  it("ends without a last event when the client left, and ignores what the runtime sends after", () => {
    const name = "aborted-mid-answer";
    const { translation, events, outcomes } = translate(name, {}, eventsBefore(name, "abort"));
    translation.clientAborted(new DOMException("gone", "AbortError"));
    for (const event of recordedTurn(name).events.slice(eventsBefore(name, "abort"))) translation.handle(event);
    expect(events).toEqual([{ type: "text", delta: "Once upon" }]);
    expect(outcomes).toEqual([{ kind: "client_aborted" }]);
    expectWellFormed(events, outcomes);
  });

  it("tells the client why when the gateway aborted the turn with a reason (shutdown)", () => {
    const name = "aborted-mid-answer";
    const { translation, events, outcomes } = translate(name, {}, eventsBefore(name, "abort"));
    const shutdown = new GatewayError({ status: 503, code: "shutting_down", message: "The gateway is shutting down." });
    translation.clientAborted(shutdown);
    expect(events.at(-1)).toEqual({ type: "error", error: shutdown });
    expect(outcomes).toEqual([{ kind: "failed", error: shutdown }]);
  });
});

describe("TurnTranslator: every recorded turn translates well-formed", () => {
  const limits: Array<[string, Partial<TranslationSettings>]> = [
    ["no limits", {}],
    ["a stop sequence", { stop: ["o"] }],
    ["a stop sequence split across deltas", { stop: ["ld!", "part and"] }],
    ["max output tokens 1", { maxOutputTokens: 1 }],
    ["max output tokens 3", { maxOutputTokens: 3 }],
    ["parallel tool calls off", { parallelToolCalls: false }],
  ];
  for (const name of RECORDED_TURNS) {
    it.each(limits)(`${name}, with %s`, (_, settings) => {
      const { events, outcomes } = translate(name, settings);
      expectWellFormed(events, outcomes);
    });
  }
});
