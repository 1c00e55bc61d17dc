// runTurn's event translation, on recorded turns: the TurnEvents a client sees
// and the outcome its owner gets, for every way a turn was seen to go —
// and every translation well-formed (core/turn.ts), whatever the limits.
import type { SessionEvent } from "@github/copilot-sdk";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GatewayError } from "../../src/core/gateway-error.js";
import type { TurnEvent } from "../../src/core/turn.js";
import type { PendingToolCall, TurnOutcome } from "../../src/turns/turn-outcome.js";
import { TurnTranslator, type TranslationSettings } from "../../src/turns/turn-translator.js";
import { eventsOf, RECORDED_TURNS, recordedTurn, type RecordedTurnName } from "../fixtures/recorded-turns.js";

const PROMPT_CHARS = 40;
const DEADLINE_MS = 30_000;

function translator(settings: Partial<TranslationSettings> = {}) {
  const events: TurnEvent[] = [];
  const declined: PendingToolCall[] = [];
  const outcomes: TurnOutcome[] = [];
  const translation = new TurnTranslator(
    { promptChars: PROMPT_CHARS, deadlineMs: DEADLINE_MS, stop: [], parallelToolCalls: true, ...settings },
    { emit: (event) => events.push(event), end: (outcome) => outcomes.push(outcome), decline: (call) => declined.push(call) },
  );
  translation.start();
  return { translation, events, declined, outcomes };
}

/** Feeds a recorded turn's events (or the first `count`) through a fresh translation. */
function translate(name: RecordedTurnName, settings: Partial<TranslationSettings> = {}, count?: number) {
  const run = translator(settings);
  for (const event of recordedTurn(name).events.slice(0, count)) run.translation.handle(event);
  return { ...run, outcome: run.outcomes[0] };
}

/** How many events of a recorded turn come before the first of this type. */
function eventsBefore(name: RecordedTurnName, type: SessionEvent["type"]): number {
  return recordedTurn(name).events.findIndex((event) => event.type === type);
}

const userMessageId = (name: RecordedTurnName) => eventsOf(recordedTurn(name), "user.message")[0]!.id;
const requestIdOf = (name: RecordedTurnName, toolCallId: string) =>
  eventsOf(recordedTurn(name), "external_tool.requested").find((event) => event.data.toolCallId === toolCallId)!.data.requestId;
const reported = (promptTokens: number, completionTokens: number) => ({ promptTokens, completionTokens, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, cost: 0 });

/**
 * The contract of core/turn.ts: content events, then `usage` at most once,
 * then one `finish` — or an `error`, always last; a call's deltas follow its
 * start and end before the next call starts. A turn the client left ends
 * with neither; the outcome says the same as the last event.
 */
function expectWellFormed(events: readonly TurnEvent[], outcomes: readonly TurnOutcome[]): void {
  expect(outcomes).toHaveLength(1);
  const outcome = outcomes[0]!;
  let phase: "content" | "usage" | "over" = "content";
  let streamingCall: number | undefined;
  const startedCalls = new Set<number>();
  for (const [at, event] of events.entries()) {
    const where = `event ${at} (${event.type})`;
    expect(phase, `${where} after the end`).not.toBe("over");
    if (event.type === "finish" || event.type === "error") phase = "over";
    else if (event.type === "usage") {
      expect(phase, `${where}: a second usage`).toBe("content");
      phase = "usage";
    } else {
      expect(phase, `${where} after usage`).toBe("content");
      if (event.type === "tool_call_start") {
        expect(startedCalls.has(event.index), `${where}: call ${event.index} started twice`).toBe(false);
        startedCalls.add(event.index);
        streamingCall = event.index;
      }
      if (event.type === "tool_call_delta") expect(event.index, `${where}: not the call streaming now`).toBe(streamingCall);
    }
  }
  const last = events.at(-1);
  if (outcome.kind === "client_aborted") expect(phase).not.toBe("over");
  else if (outcome.kind === "failed") expect(last).toEqual({ type: "error", error: outcome.error });
  else expect(last?.type).toBe("finish");
}

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
