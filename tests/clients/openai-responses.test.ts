// The real `openai` npm client's Responses API (`client.responses`) against the
// gateway on a real socket, with the real Copilot runtime (BYOK) calling the
// scripted upstream. Pins what openai-node itself checks (the accumulator
// behind `responses.stream().finalResponse()`), a function-call loop that is
// one native Copilot session, `previous_response_id` chaining and the errors.
import OpenAI, { BadRequestError, NotFoundError } from "openai";
import type { FunctionTool, Response, ResponseInputItem, ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { expectNativeLoop, toolLoopResponder } from "../support/agent.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";

let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  gw = await startGateway();
  client = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
});

afterAll(async () => {
  await gw?.close();
});

beforeEach(() => {
  gw.upstream.reset();
});


const LOOKUP: FunctionTool = {
  type: "function",
  name: "lookup",
  description: "Looks a step up.",
  parameters: { type: "object", properties: { step: { type: "number" } }, required: ["step"] },
  strict: false,
};

function functionCalls(response: Response) {
  return response.output.filter((item) => item.type === "function_call");
}

describe("responses.create", () => {
  it("non-streaming: a completed response whose output_text is the answer", async () => {
    const { data: response, response: http } = await client.responses.create({ model: TEST_MODEL, input: "hello there", instructions: "Be brief." }).withResponse();
    expect(response.id).toMatch(/^resp_/);
    expect(response.object).toBe("response");
    expect(response.status).toBe("completed");
    expect(response.model).toBe(TEST_MODEL);
    expect(response.instructions).toBe("Be brief.");
    expect(response.output_text).toBe("echo: hello there");
    expect(response.output).toHaveLength(1);
    expect(response.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed" });
    expect(response.usage).toMatchObject({ input_tokens: 11, output_tokens: 7, total_tokens: 18 });
    expect(http.headers.get("x-copilot-session-id")).toMatch(/.+/);
    // The instructions reached the model as its system message.
    const sent = gw.upstream.calls[0]!.request.messages;
    expect(JSON.stringify(sent.find((m) => m.role === "system")?.content)).toContain("Be brief.");
  });

  it("create({stream:true}) yields the standard events, numbered in order, ending in response.completed", async () => {
    const stream = await client.responses.create({ model: TEST_MODEL, input: "stream me", stream: true });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((event) => event.type);
    expect(types.slice(0, 4)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);
    expect(types.slice(-4)).toEqual(["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i));
    const text = events.flatMap((event) => (event.type === "response.output_text.delta" ? [event.delta] : [])).join("");
    expect(text).toBe("echo: stream me");
    const completed = events.at(-1) as Extract<ResponseStreamEvent, { type: "response.completed" }>;
    expect(completed.response.usage).toMatchObject({ input_tokens: 11, output_tokens: 7 });
  });

  it("responses.stream().finalResponse() returns the accumulated response, with text deltas on the way", async () => {
    const stream = client.responses.stream({ model: TEST_MODEL, input: "final please" });
    const deltas: string[] = [];
    stream.on("response.output_text.delta", (event) => deltas.push(event.delta));
    const response = await stream.finalResponse();
    expect(deltas.join("")).toBe("echo: final please");
    expect(response.status).toBe("completed");
    expect(response.output_text).toBe("echo: final please");
  });

  it("responses.retrieve() returns a kept response; store:false keeps nothing", async () => {
    const created = await client.responses.create({ model: TEST_MODEL, input: "keep me" });
    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved.output_text).toBe("echo: keep me");
    const unkept = await client.responses.create({ model: TEST_MODEL, input: "forget me", store: false });
    await expect(client.responses.retrieve(unkept.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("a function-call loop", () => {
  /** Runs the client's side of a tool loop, resending the whole history (as Codex does, with store:false) or chaining. */
  async function runLoop(mode: "history" | "chained" | "chained-stream"): Promise<{ final: Response; sessionIds: string[]; requests: number }> {
    let input: ResponseInputItem[] = [{ role: "user", content: "start the loop" }];
    let previous: string | undefined;
    const sessionIds: string[] = [];
    for (let request = 1; request <= 8; request++) {
      const params = { model: TEST_MODEL, tools: [LOOKUP], input, ...(previous ? { previous_response_id: previous } : {}) };
      let response: Response;
      if (mode === "chained-stream") {
        response = await client.responses.stream(params).finalResponse();
      } else {
        const { data, response: http } = await client.responses.create({ ...params, store: mode !== "history" }).withResponse();
        sessionIds.push(http.headers.get("x-copilot-session-id") ?? "");
        response = data;
      }
      const calls = functionCalls(response);
      if (calls.length === 0) return { final: response, sessionIds, requests: request };
      const outputs: ResponseInputItem[] = calls.map((call) => ({ type: "function_call_output", call_id: call.call_id, output: `result of ${call.name}(${call.arguments})` }));
      if (mode === "history") {
        input = [...input, ...(response.output as ResponseInputItem[]), ...outputs];
      } else {
        input = outputs;
        previous = response.id;
      }
    }
    throw new Error("the loop did not finish in 8 requests");
  }

  it.each(["history", "chained", "chained-stream"] as const)("is one native Copilot session (%s)", async (mode) => {
    gw.upstream.respond(toolLoopResponder(3));
    const run = await runLoop(mode);
    expect(run.final.output_text).toBe("done after 3 tools for start the loop");
    expect(run.requests).toBe(4);
    if (mode !== "chained-stream") expect(new Set(run.sessionIds).size).toBe(1);

    // One user prompt for the whole loop, growing natively: assistant tool_calls and tool messages.
    expectNativeLoop(gw.upstream.calls, 3);
  });

  it("streams a function call as output_item.added / arguments deltas / done", async () => {
    gw.upstream.respondInOrder({ steps: [{ toolCall: { id: "call_w", name: "lookup", arguments: '{"step":7}', chunks: 3 } }] });
    const stream = client.responses.stream({ model: TEST_MODEL, input: "call it", tools: [LOOKUP] });
    const argumentDeltas: string[] = [];
    stream.on("response.function_call_arguments.delta", (event) => argumentDeltas.push(event.delta));
    const response = await stream.finalResponse();
    expect(argumentDeltas.join("")).toBe('{"step":7}');
    expect(functionCalls(response)).toEqual([expect.objectContaining({ type: "function_call", call_id: "call_w", name: "lookup", arguments: '{"step":7}', status: "completed" })]);
    expect(response.output_text).toBe("");
  });
});

describe("previous_response_id", () => {
  it("continues the same session: the second request sends only the new input, the upstream sees native history", async () => {
    const first = await client.responses.create({ model: TEST_MODEL, input: "first question", instructions: "rules" }).withResponse();
    const second = await client.responses
      .create({ model: TEST_MODEL, input: "second question", instructions: "rules", previous_response_id: first.data.id })
      .withResponse();
    expect(second.data.output_text).toBe("echo: second question");
    expect(second.data.previous_response_id).toBe(first.data.id);
    expect(second.response.headers.get("x-copilot-session-id")).toBe(first.response.headers.get("x-copilot-session-id"));
    const sent = gw.upstream.calls[1]!.request.messages.filter((m) => m.role !== "system");
    expect(sent.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(sent[1]!.content).toBe("echo: first question");
  });

  it("an unknown previous_response_id is a 404 previous_response_not_found", async () => {
    const error = await client.responses.create({ model: TEST_MODEL, input: "x", previous_response_id: "resp_nope" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).error).toMatchObject({ type: "invalid_request_error", param: "previous_response_id", code: "previous_response_not_found" });
    expect(gw.upstream.calls).toHaveLength(0);
  });
});

describe("errors", () => {
  it("a hosted tool is a 400 BadRequestError naming it, never a 500", async () => {
    const error = await client.responses.create({ model: TEST_MODEL, input: "search", tools: [{ type: "web_search" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).error).toMatchObject({ type: "invalid_request_error", param: "tools[0].type", code: "unsupported_value" });
    expect(gw.upstream.calls).toHaveLength(0);
  });

  it("an unknown model is a 404 model_not_found", async () => {
    const error = await client.responses.create({ model: "no-such-model", input: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).error).toMatchObject({ code: "model_not_found" });
  });

  it(
    "a mid-stream failure ends with response.failed after the earlier text; finalResponse() reports status failed",
    async () => {
      gw.upstream.respond(() => ({ steps: [{ text: "partial " }, { delayMs: 50 }, { cut: true }] }));
      const stream = client.responses.stream({ model: TEST_MODEL, input: "cut me" });
      const types: string[] = [];
      stream.on("event", (event) => types.push(event.type));
      const response = await stream.finalResponse();
      expect(response.status).toBe("failed");
      expect(response.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      expect(types).toContain("response.output_text.delta");
      expect(types.at(-1)).toBe("response.failed");
      expect(types).not.toContain("response.completed");
    },
    40_000,
  );
});
