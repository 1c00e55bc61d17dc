import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/core/gateway-error.js";
import type { TurnEvent } from "../../src/core/turn.js";
import { collectChatCompletion } from "../../src/dialects/openai-chat/json.js";

const META = { id: "chatcmpl-9", created: 1700000000, model: "gpt-4.1", reasoning: true };

async function* turn(events: TurnEvent[]): AsyncGenerator<TurnEvent> {
  for (const event of events) yield event;
}

describe("collectChatCompletion", () => {
  it("buffers text into one chat.completion with usage (B.0)", async () => {
    const { body, usageReported } = await collectChatCompletion(
      turn([
        { type: "text", delta: "Hello, " },
        { type: "text", delta: "wörld 🌍" },
        { type: "usage", usage: { promptTokens: 11, completionTokens: 4 } },
        { type: "finish", reason: "stop" },
      ]),
      META,
    );
    expect(usageReported).toBe(true);
    expect(body).toEqual({
      id: "chatcmpl-9",
      object: "chat.completion",
      created: 1700000000,
      model: "gpt-4.1",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Hello, wörld 🌍", refusal: null },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 },
    });
    expect("tool_calls" in body.choices[0].message).toBe(false);
    expect("reasoning_content" in body.choices[0].message).toBe(false);
  });

  it("collects tool calls by index with content null and finish_reason tool_calls", async () => {
    const { body } = await collectChatCompletion(
      turn([
        { type: "tool_call_start", index: 0, id: "call_a", name: "get_weather" },
        { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":' },
        { type: "tool_call_delta", index: 0, argumentsDelta: '"Paris"}' },
        { type: "tool_call_start", index: 1, id: "call_b", name: "get_time" },
        { type: "finish", reason: "tool_calls" },
      ]),
      META,
    );
    expect(body.choices[0].finish_reason).toBe("tool_calls");
    expect(body.choices[0].message).toEqual({
      role: "assistant",
      content: null,
      refusal: null,
      tool_calls: [
        { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        // No argument deltas: "{}" so the arguments always parse as a JSON object (B.3 #18).
        { id: "call_b", type: "function", function: { name: "get_time", arguments: "{}" } },
      ],
    });
  });

  it("keeps text beside tool calls, and reports tool_calls even if the turn said stop", async () => {
    const { body } = await collectChatCompletion(
      turn([
        { type: "text", delta: "Checking." },
        { type: "tool_call_start", index: 0, id: "call_a", name: "f" },
        { type: "tool_call_delta", index: 0, argumentsDelta: "{}" },
        { type: "finish", reason: "stop" },
      ]),
      META,
    );
    expect(body.choices[0].message.content).toBe("Checking.");
    expect(body.choices[0].message.tool_calls).toHaveLength(1);
    expect(body.choices[0].finish_reason).toBe("tool_calls");
  });

  it("puts reasoning on the message, and omits it in strict mode", async () => {
    const events: TurnEvent[] = [
      { type: "reasoning", delta: "Step 1. " },
      { type: "reasoning", delta: "Step 2." },
      { type: "text", delta: "42" },
      { type: "usage", usage: { promptTokens: 3, completionTokens: 30, reasoningTokens: 25, cachedTokens: 2 } },
      { type: "finish", reason: "stop" },
    ];
    const { body } = await collectChatCompletion(turn(events), META);
    expect(body.choices[0].message).toEqual({
      role: "assistant",
      content: "42",
      reasoning_content: "Step 1. Step 2.",
      reasoning: "Step 1. Step 2.",
      refusal: null,
    });
    expect(body.usage).toEqual({
      prompt_tokens: 3,
      completion_tokens: 30,
      total_tokens: 33,
      prompt_tokens_details: { cached_tokens: 2 },
      completion_tokens_details: { reasoning_tokens: 25 },
    });

    const strict = await collectChatCompletion(turn(events), { ...META, reasoning: false });
    expect(strict.body.choices[0].message).toEqual({ role: "assistant", content: "42", refusal: null });
  });

  it("always carries integer usage: zeros and usageReported false when the turn reported none", async () => {
    const { body, usageReported } = await collectChatCompletion(turn([{ type: "finish", reason: "length" }]), META);
    expect(usageReported).toBe(false);
    expect(body.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    expect(body.choices[0].message.content).toBe("");
    expect(body.choices[0].finish_reason).toBe("length");
  });

  it("rounds fractional or negative counts to integers with total = prompt + completion", async () => {
    const { body } = await collectChatCompletion(
      turn([
        { type: "usage", usage: { promptTokens: 10.6, completionTokens: -3 } },
        { type: "finish", reason: "stop" },
      ]),
      META,
    );
    expect(body.usage).toEqual({ prompt_tokens: 11, completion_tokens: 0, total_tokens: 11 });
  });

  it("drains events after finish: a late usage counts, late content does not", async () => {
    let drained = false;
    async function* events(): AsyncGenerator<TurnEvent> {
      yield { type: "text", delta: "done" };
      yield { type: "finish", reason: "stop" };
      yield { type: "text", delta: " and more" };
      yield { type: "usage", usage: { promptTokens: 1, completionTokens: 2 } };
      drained = true;
    }
    const { body, usageReported } = await collectChatCompletion(events(), META);
    expect(drained).toBe(true);
    expect(usageReported).toBe(true);
    expect(body.choices[0].message.content).toBe("done");
    expect(body.usage.total_tokens).toBe(3);
  });

  it("throws the turn's error", async () => {
    const failure = new GatewayError({ status: 429, message: "Slow down", code: "rate_limit_exceeded", retryAfterSeconds: 5 });
    await expect(
      collectChatCompletion(turn([{ type: "text", delta: "partial" }, { type: "error", error: failure }]), META),
    ).rejects.toBe(failure);
  });

  it("throws a 502 upstream_incomplete when the events end with neither finish nor error", async () => {
    const error = await collectChatCompletion(turn([{ type: "text", delta: "partial" }]), META).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 502, type: "server_error", code: "upstream_incomplete" });
    await expect(collectChatCompletion(turn([]), META)).rejects.toMatchObject({ status: 502, code: "upstream_incomplete" });
  });
});
