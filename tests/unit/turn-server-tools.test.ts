// Server-side tool calls in a turn, on turns recorded with a granted MCP
// server (server-everything): the runtime runs them and goes on, so the
// client sees only the answer and its own calls; the turn's cap and clocks.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GatewayError } from "../../src/core/gateway-error.js";
import { recordedTurn } from "../fixtures/recorded-turns.js";
import { DEADLINE_MS, eventsBefore, reported, requestIdOf, translate, translator, userMessageId } from "../support/turn-translation.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("TurnTranslator: server-side tool calls", () => {
  it("shows the client only the answer after the runtime ran a server tool, with both model calls' usage", () => {
    const { events, outcome } = translate("server-tool-call");
    expect(events).toEqual([
      { type: "text", delta: "The server " },
      { type: "text", delta: "said hi." },
      { type: "usage", usage: reported(30, 7) },
      { type: "finish", reason: "stop" },
    ]);
    expect(outcome).toEqual({ kind: "completed", answer: { text: "The server said hi.", toolCalls: [], userMessageEventId: userMessageId("server-tool-call") } });
  });

  it("hands the client its own call of a message that also calls a server tool, and waits only on it", () => {
    for (const parallelToolCalls of [true, false]) {
      const { events, outcome, declined } = translate("server-and-client-tool-calls", { parallelToolCalls });
      expect(events.filter((event) => event.type === "tool_call_start")).toEqual([{ type: "tool_call_start", index: 0, id: "call_weather_5", name: "get_weather" }]);
      expect(events.at(-1)).toEqual({ type: "finish", reason: "tool_calls" });
      expect(declined).toEqual([]);
      expect(outcome).toMatchObject({
        kind: "tool_calls_pending",
        answer: { toolCalls: [{ id: "call_weather_5", name: "get_weather", arguments: '{"city":"Oslo"}' }] },
        pending: [{ toolCallId: "call_weather_5", requestId: requestIdOf("server-and-client-tool-calls", "call_weather_5") }],
      });
    }
  });

  it("hides a call whose first delta has no name until its message shows it is the client's, then gives it whole", () => {
    const { translation, events } = translator({ clientTools: new Set(["get_weather"]) });
    for (const event of recordedTurn("server-and-client-tool-calls").events) {
      const unnamed = event.type === "assistant.tool_call_delta" ? { ...event, data: { ...event.data, toolName: undefined } } : event;
      translation.handle(unnamed as typeof event);
    }
    expect(events.filter((event) => event.type.startsWith("tool_call"))).toEqual([
      { type: "tool_call_start", index: 0, id: "call_weather_5", name: "get_weather" },
      { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":"Oslo"}' },
    ]);
  });

  it("ends the turn with a 502 naming the cap when the model calls server tools more often than allowed", () => {
    const { events, outcome } = translate("server-tool-call", { serverTools: { maxCalls: 0, callTimeoutMs: 60_000 } });
    expect(events).toHaveLength(1);
    expect(outcome).toMatchObject({ kind: "failed" });
    const error = (outcome as { error: GatewayError }).error;
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 502, code: "server_tool_calls_exceeded", shouldRetry: false });
    expect(error.message).toMatch(/more than 0 times in one turn/);
    expect(events[0]).toEqual({ type: "error", error });
  });

  it("lets a server tool run for its timeout beyond the deadline, then gives the model's next call the deadline afresh", () => {
    const started = eventsBefore("server-tool-call", "tool.execution_start") + 1;
    const completed = eventsBefore("server-tool-call", "tool.execution_complete");
    const run = translator({ clientTools: new Set(), serverTools: { maxCalls: 25, callTimeoutMs: 60_000 } });
    const recorded = recordedTurn("server-tool-call").events;
    for (const event of recorded.slice(0, started)) run.translation.handle(event);
    vi.advanceTimersByTime(DEADLINE_MS + 59_000);
    expect(run.outcomes).toEqual([]);
    run.translation.handle(recorded[completed]!);
    vi.advanceTimersByTime(DEADLINE_MS - 1);
    expect(run.outcomes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(run.outcomes).toMatchObject([{ kind: "failed", error: { status: 504, code: "upstream_timeout" } }]);
  });
});
