// Request options that change what the runtime is asked for, checked at the
// scripted upstream, and options the gateway emulates itself (stop, max_tokens).
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { chatBody, readSseData, startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { contentText } from "../support/upstream.js";

// A real 1×1 PNG: the runtime drops images it cannot decode.
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => gw.upstream.reset());

type Completion = { choices: Array<{ message: { content: string | null }; finish_reason: string }>; usage: Record<string, number> };
const complete = async (body: Record<string, unknown>) => {
  const response = await gw.post("/v1/chat/completions", body);
  expect(response.status).toBe(200);
  return (await response.json()) as Completion;
};

describe("messages", () => {
  it("makes system and developer messages the whole system prompt", async () => {
    await complete({
      model: TEST_MODEL,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: "hi" },
      ],
    });
    const sent = gw.upstream.calls[0]!.request.messages;
    expect(sent[0]).toEqual({ role: "system", content: "Be brief.\n\nAnswer in French." });
  });

  it("sends no system prompt at all when the client gave none (not the runtime's agent prompt)", async () => {
    await complete(chatBody("hi"));
    expect(gw.upstream.calls[0]!.request.messages.map((m) => m.role)).toEqual(["user"]);
  });

  it("gives the model earlier turns as its own messages, ahead of the final user message", async () => {
    await complete({
      model: TEST_MODEL,
      messages: [
        { role: "user", content: "What is 2+2?" },
        { role: "assistant", content: "4" },
        { role: "user", content: "And doubled?" },
      ],
    });
    const messages = gw.upstream.calls[0]!.request.messages;
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(messages.map((m) => contentText(m.content))).toEqual(["What is 2+2?", "4", expect.stringMatching(/And doubled\?$/)]);
  });

  it("passes a data-URL image to the model as an image part", async () => {
    await complete({
      model: TEST_MODEL,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}`, detail: "low" } },
          ],
        },
      ],
    });
    const parts = gw.upstream.calls[0]!.request.messages.at(-1)!.content as Array<{ type: string; image_url?: { url: string } }>;
    expect(parts.some((p) => p.type === "image_url" && p.image_url?.url === `data:image/png;base64,${PNG}`)).toBe(true);
  });

  it("refuses a remote image URL with a 400 naming the part, and never fetches it", async () => {
    const response = await gw.post("/v1/chat/completions", {
      model: TEST_MODEL,
      messages: [{ role: "user", content: [{ type: "text", text: "see" }, { type: "image_url", image_url: { url: "http://169.254.169.254/latest" } }] }],
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe("messages[0].content[1]");
    expect(body.error.message).toMatch(/data/i);
    expect(gw.upstream.calls).toHaveLength(0);
  });
});

describe("stop sequences (emulated by the gateway)", () => {
  it("cuts the output before the first match, even when the match is split across deltas", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "Hello EN" }, { text: "D of text" }, { text: " more" }] });
    const body = await complete(chatBody("hi", { stop: ["END", "xyz"] }));
    expect(body.choices[0]!.message.content).toBe("Hello ");
    expect(body.choices[0]!.finish_reason).toBe("stop");
  });

  it("streams the held-back text when the candidate match does not complete", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "Hello EN" }, { text: "TER here" }] });
    const data = await readSseData(await gw.post("/v1/chat/completions", chatBody("hi", { stream: true, stop: "END" })));
    const text = data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d).choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe("Hello ENTER here");
  });

  it("accepts more than four stop words", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "one two three" }] });
    const body = await complete(chatBody("hi", { stop: ["a1", "a2", "a3", "a4", "a5", "two"] }));
    expect(body.choices[0]!.message.content).toBe("one ");
  });
});

describe("output limits", () => {
  it("enforces max_tokens on the gateway side with finish_reason length", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "0123456789" }, { text: "abcdefghij" }] });
    const body = await complete(chatBody("hi", { max_tokens: 3 }));
    expect(body.choices[0]!.message.content).toBe("0123456789ab");
    expect(body.choices[0]!.finish_reason).toBe("length");
  });

  it("reports an upstream finish_reason length as length, without the runtime's automatic continuation", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "truncated" }], finishReason: "length" }, { steps: [{ delayMs: 3_000 }, { text: "continued" }] });
    const body = await complete(chatBody("hi"));
    expect(body.choices[0]!.finish_reason).toBe("length");
    expect(body.choices[0]!.message.content).toBe("truncated");
    // The runtime starts its "Please continue" call at once; the gateway's abort cancels it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(gw.upstream.calls.length).toBeLessThanOrEqual(2);
    if (gw.upstream.calls[1]) await expect(gw.upstream.calls[1].aborted).resolves.toBe(true);
  });
});

describe("options passed to the runtime", () => {
  it("passes response_format json_schema upstream", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: '{"answer":4}' }] });
    const schema = { type: "object", properties: { answer: { type: "number" } }, required: ["answer"] };
    const body = await complete(chatBody("2+2?", { response_format: { type: "json_schema", json_schema: { name: "math", schema, strict: true } } }));
    expect(JSON.parse(body.choices[0]!.message.content!)).toEqual({ answer: 4 });
    expect(gw.upstream.calls[0]!.request.response_format).toEqual({ type: "json_schema", json_schema: { name: "math", schema, strict: true } });
  });

  it("reports an answer that does not fit the schema instead of passing it off as valid", async () => {
    const schema = { type: "object", properties: { answer: { type: "number" } }, required: ["answer"] };
    const format = { response_format: { type: "json_schema", json_schema: { name: "math", schema } } };
    gw.upstream.respondInOrder({ steps: [{ text: '{"answer":"four"}' }] });
    const sessionsBefore = gw.turns.ledger.size;
    const buffered = await gw.post("/v1/chat/completions", chatBody("2+2?", format));
    expect(buffered.status).toBe(502);
    // The client never got that answer, so its session is not kept for a continuation.
    await vi.waitFor(() => expect(gw.turns.ledger.size).toBe(sessionsBefore));
    const body = (await buffered.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("invalid_structured_output");
    expect(body.error.message).toContain("/answer");

    gw.upstream.respondInOrder({ steps: [{ text: "Sure! " }, { text: '{"answer":4}' }] });
    const data = await readSseData(await gw.post("/v1/chat/completions", chatBody("2+2?", { ...format, stream: true })));
    expect(JSON.parse(data.at(-1)!).error.code).toBe("invalid_structured_output");
    expect(data).not.toContain("[DONE]");
  });

  it("holds json_object answers to being a JSON object, and rejects an invalid schema up front", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "```json\n{}\n```" }] });
    const fenced = await gw.post("/v1/chat/completions", chatBody("json please", { response_format: { type: "json_object" } }));
    expect(fenced.status).toBe(502);
    gw.upstream.respondInOrder({ steps: [{ text: '{"ok":true}' }] });
    expect((await complete(chatBody("json please", { response_format: { type: "json_object" } }))).choices[0]!.message.content).toBe('{"ok":true}');

    const badSchema = await gw.post("/v1/chat/completions", chatBody("x", { response_format: { type: "json_schema", json_schema: { name: "s", schema: { type: "no-such-type" } } } }));
    expect(badSchema.status).toBe(400);
    expect(((await badSchema.json()) as { error: { param: string } }).error.param).toBe("response_format.json_schema.schema");
  });

  it("passes reasoning_effort upstream", async () => {
    await complete(chatBody("hi", { reasoning_effort: "high" }));
    expect(gw.upstream.calls[0]!.request.reasoning_effort).toBe("high");
  });

  it("offers the client's tools to the model, and none with tool_choice none", async () => {
    const tools = [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: {} } } }];
    await complete(chatBody("hi", { tools }));
    expect(gw.upstream.calls[0]!.request.tools?.map((t) => t.function.name)).toEqual(["get_weather"]);
    await complete(chatBody("hi", { tools, tool_choice: "none" }));
    expect(gw.upstream.calls[1]!.request.tools ?? []).toEqual([]);
  });

  it("offers only the named function for a named tool_choice", async () => {
    const tools = ["get_weather", "get_time"].map((name) => ({ type: "function", function: { name, parameters: { type: "object", properties: {} } } }));
    gw.upstream.respondInOrder({ steps: [{ toolCall: { id: "call_t", name: "get_time", arguments: "{}" } }] });
    const body = await complete(chatBody("time?", { tools, tool_choice: { type: "function", function: { name: "get_time" } } }));
    expect(gw.upstream.calls[0]!.request.tools?.map((t) => t.function.name)).toEqual(["get_time"]);
    expect(body.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("reports an answer without a tool call when tool_choice is required, never ignoring it", async () => {
    const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } }];
    gw.upstream.respondInOrder({ steps: [{ text: "I would rather chat." }] });
    const response = await gw.post("/v1/chat/completions", chatBody("weather?", { tools, tool_choice: "required" }));
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("tool_choice_not_followed");
  });

  it("offers no built-in runtime tools (shell, files) to the model", async () => {
    await complete(chatBody("hi"));
    expect(gw.upstream.calls[0]!.request.tools ?? []).toEqual([]);
  });
});
