// The tool-call book on recorded turns: the client's tool-call events from
// the runtime's deltas and assistant message, and when (and in which order)
// the calls are handed to the client.
import { describe, expect, it } from "vitest";
import type { TurnEvent } from "../../src/core/turn.js";
import { ToolCallBook, type RequestedCall } from "../../src/turns/tool-calls.js";
import { eventsOf, recordedTurn, type RecordedTurnName } from "../fixtures/recorded-turns.js";

/** Feeds a recorded turn's tool-call events through a book, as the turn does. */
function replay(name: RecordedTurnName, parallel = true) {
  const book = new ToolCallBook(parallel);
  const events: TurnEvent[] = [];
  const requests: Array<{ toolCallId: string; result: RequestedCall }> = [];
  for (const event of recordedTurn(name).events) {
    if (event.type === "assistant.tool_call_delta") events.push(...book.delta(event.data.toolCallId, event.data.toolName, event.data.inputDelta));
    if (event.type === "assistant.message") events.push(...book.assistantMessage(event.data.toolRequests ?? []));
    if (event.type === "external_tool.requested") {
      const call = { toolCallId: event.data.toolCallId, requestId: event.data.requestId };
      requests.push({ toolCallId: call.toolCallId, result: book.requested(call) });
    }
  }
  return { book, events, requests };
}

const requestIdOf = (name: RecordedTurnName, toolCallId: string) =>
  eventsOf(recordedTurn(name), "external_tool.requested").find((event) => event.data.toolCallId === toolCallId)!.data.requestId;

describe("ToolCallBook", () => {
  it("starts a call once and streams its arguments as the model sent them", () => {
    const { book, events, requests } = replay("one-tool-call");
    expect(events).toEqual([
      { type: "tool_call_start", index: 0, id: "call_weather_1", name: "get_weather" },
      { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":' },
      { type: "tool_call_delta", index: 0, argumentsDelta: '"Paris"}' },
    ]);
    expect(book.calls).toEqual([{ id: "call_weather_1", name: "get_weather", arguments: '{"city":"Paris"}' }]);
    expect(book.any).toBe(true);
    expect(requests).toEqual([
      { toolCallId: "call_weather_1", result: { shown: true, allRequested: [{ toolCallId: "call_weather_1", requestId: requestIdOf("one-tool-call", "call_weather_1") }] } },
    ]);
  });

  it("gives a call whose arguments never streamed its arguments from the assistant message, '{}' for none", () => {
    expect(eventsOf(recordedTurn("tool-call-without-arguments"), "assistant.tool_call_delta")).toHaveLength(0);
    const { book, events } = replay("tool-call-without-arguments");
    expect(events).toEqual([
      { type: "tool_call_start", index: 0, id: "call_time_3", name: "get_time" },
      { type: "tool_call_delta", index: 0, argumentsDelta: "{}" },
    ]);
    expect(book.calls).toEqual([{ id: "call_time_3", name: "get_time", arguments: "{}" }]);
  });

  it("hands parallel calls to the client only once all are requested, in the order the model made them", () => {
    const { book, events, requests } = replay("parallel-tool-calls");
    expect(events.filter((event) => event.type === "tool_call_start")).toEqual([
      { type: "tool_call_start", index: 0, id: "call_weather_2", name: "get_weather" },
      { type: "tool_call_start", index: 1, id: "call_time_2", name: "get_time" },
    ]);
    expect(book.calls.map((call) => call.arguments)).toEqual(['{"city":"Oslo"}', "{}"]);
    // The runtime requests them in whatever order its permission checks finish.
    expect(requests.map((request) => request.result.allRequested === undefined)).toEqual([true, false]);
    expect(requests.at(-1)!.result.allRequested).toEqual([
      { toolCallId: "call_weather_2", requestId: requestIdOf("parallel-tool-calls", "call_weather_2") },
      { toolCallId: "call_time_2", requestId: requestIdOf("parallel-tool-calls", "call_time_2") },
    ]);
  });

  it("keeps the model's order whichever order the runtime requests the calls in", () => {
    const turn = recordedTurn("parallel-tool-calls");
    const requested = eventsOf(turn, "external_tool.requested").map((event) => ({ toolCallId: event.data.toolCallId, requestId: event.data.requestId }));
    for (const order of [requested, [...requested].reverse()]) {
      const book = new ToolCallBook(true);
      for (const event of eventsOf(turn, "assistant.tool_call_delta")) book.delta(event.data.toolCallId, event.data.toolName, event.data.inputDelta);
      book.assistantMessage(eventsOf(turn, "assistant.message")[0]!.data.toolRequests ?? []);
      const results = order.map((call) => book.requested(call));
      expect(results.at(-1)!.allRequested!.map((call) => call.toolCallId)).toEqual(["call_weather_2", "call_time_2"]);
    }
  });

  it("shows only the first call when parallel tool calls are off, and marks the others for declining", () => {
    const { book, events, requests } = replay("parallel-tool-calls", false);
    expect(events).toEqual([
      { type: "tool_call_start", index: 0, id: "call_weather_2", name: "get_weather" },
      { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":' },
      { type: "tool_call_delta", index: 0, argumentsDelta: '"Oslo"}' },
    ]);
    expect(book.calls.map((call) => call.id)).toEqual(["call_weather_2"]);
    const byCall = new Map(requests.map((request) => [request.toolCallId, request.result]));
    expect(byCall.get("call_weather_2")!.shown).toBe(true);
    expect(byCall.get("call_time_2")!.shown).toBe(false);
    // The session waits on both, so the client is handed its one call only when both were requested.
    expect(requests.at(-1)!.result.allRequested).toEqual([{ toolCallId: "call_weather_2", requestId: requestIdOf("parallel-tool-calls", "call_weather_2") }]);
  });

  it("changes nothing for an assistant message without tool requests", () => {
    const { book, events, requests } = replay("plain-text");
    expect(events).toEqual([]);
    expect(requests).toEqual([]);
    expect(book.any).toBe(false);
    expect(book.calls).toEqual([]);
  });
});
