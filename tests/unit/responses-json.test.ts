import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/core/gateway-error.js";
import type { TurnEvent } from "../../src/core/turn.js";
import { collectResponse } from "../../src/dialects/responses/json.js";
import type { ResponseMeta } from "../../src/dialects/responses/response-object.js";
import { ResponsesStreamEncoder } from "../../src/dialects/responses/stream.js";

function testMeta(): ResponseMeta {
  let n = 0;
  return {
    id: "resp_1",
    createdAt: 1,
    reasoning: false,
    itemId: (prefix) => `${prefix}_${++n}`,
    now: () => 2,
    echo: {
      model: "m",
      instructions: "be brief",
      max_output_tokens: 100,
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: "low", summary: null },
      store: true,
      temperature: null,
      text: { format: { type: "text" } },
      tool_choice: "auto",
      tools: [{ type: "function", name: "f", description: null, parameters: null, strict: null }],
      top_p: null,
      truncation: "disabled",
      metadata: {},
    },
  };
}

async function* from(events: TurnEvent[]): AsyncGenerator<TurnEvent> {
  yield* events;
}

describe("collectResponse", () => {
  it("builds the response object openai-node types, with the fields it marks required", async () => {
    const { body, usageReported } = await collectResponse(
      from([
        { type: "text", delta: "Hi " },
        { type: "text", delta: "there" },
        { type: "tool_call_start", index: 0, id: "call_1", name: "f" },
        { type: "tool_call_delta", index: 0, argumentsDelta: '{"a":1}' },
        { type: "usage", usage: { promptTokens: 4, completionTokens: 3, reasoningTokens: 1 } },
        { type: "finish", reason: "tool_calls" },
      ]),
      testMeta(),
    );
    expect(usageReported).toBe(true);
    expect(body).toEqual({
      id: "resp_1",
      object: "response",
      created_at: 1,
      status: "completed",
      background: false,
      completed_at: 2,
      error: null,
      incomplete_details: null,
      instructions: "be brief",
      max_output_tokens: 100,
      model: "m",
      output: [
        { id: "msg_1", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hi there", annotations: [], logprobs: [] }] },
        { id: "fc_2", type: "function_call", status: "completed", call_id: "call_1", name: "f", arguments: '{"a":1}' },
      ],
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: "low", summary: null },
      store: true,
      temperature: null,
      text: { format: { type: "text" } },
      tool_choice: "auto",
      tools: [{ type: "function", name: "f", description: null, parameters: null, strict: null }],
      top_p: null,
      truncation: "disabled",
      usage: { input_tokens: 4, input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 1 }, total_tokens: 7 },
      metadata: {},
    });
  });

  it("is the very object the stream's response.completed carries", async () => {
    const events: TurnEvent[] = [{ type: "text", delta: "same" }, { type: "usage", usage: { promptTokens: 1, completionTokens: 1 } }, { type: "finish", reason: "stop" }];
    const { body } = await collectResponse(from(events), testMeta());
    const encoder = new ResponsesStreamEncoder(testMeta());
    for (const event of events) encoder.encode(event);
    expect(body).toEqual(encoder.response());
  });

  it("reports an estimated usage as such; length → incomplete", async () => {
    const { body, usageReported } = await collectResponse(
      from([{ type: "text", delta: "cut" }, { type: "usage", usage: { promptTokens: 1, completionTokens: 1, estimated: true } }, { type: "finish", reason: "length" }]),
      testMeta(),
    );
    expect(usageReported).toBe(false);
    expect(body).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
  });

  it("throws the turn's error, and a 502 when the events end without a finish", async () => {
    const failure = new GatewayError({ status: 429, message: "slow down", code: "rate_limit_exceeded" });
    await expect(collectResponse(from([{ type: "text", delta: "x" }, { type: "error", error: failure }]), testMeta())).rejects.toBe(failure);
    await expect(collectResponse(from([{ type: "text", delta: "x" }]), testMeta())).rejects.toMatchObject({ status: 502, code: "upstream_incomplete" });
  });
});
