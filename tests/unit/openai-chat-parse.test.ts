import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/core/gateway-error.js";
import { parseChatRequest } from "../../src/dialects/openai-chat/parse.js";

const USER_HI = { role: "user", content: "hi" };
const base = { model: "gpt-4.1", messages: [USER_HI] };
const withFields = (fields: Record<string, unknown>) => ({ ...base, ...fields });
const withMessages = (...messages: unknown[]) => ({ model: "gpt-4.1", messages });

// 1x1 transparent PNG.
const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

function rejection(body: unknown): GatewayError {
  try {
    parseChatRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error("expected parseChatRequest to throw");
}

/** Asserts the OpenAI-shaped 400 and that its message names the parameter. */
function expectBadRequest(body: unknown, param: string | null, code?: string): GatewayError {
  const error = rejection(body);
  expect(error.status).toBe(400);
  expect(error.type).toBe("invalid_request_error");
  expect(error.param).toBe(param);
  if (code !== undefined) expect(error.code).toBe(code);
  if (param !== null) expect(error.message).toContain(`'${param}'`);
  return error;
}

describe("parseChatRequest: defaults", () => {
  it("maps a minimal request with every default spelled out", () => {
    expect(parseChatRequest(base)).toEqual({
      turn: {
        model: "gpt-4.1",
        messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
        tools: [],
        toolChoice: "auto",
        parallelToolCalls: true,
        stop: [],
      },
      stream: false,
      includeUsage: false,
    });
    const { turn } = parseChatRequest(base);
    expect("maxOutputTokens" in turn).toBe(false);
    expect("reasoningEffort" in turn).toBe(false);
    expect("responseFormat" in turn).toBe(false);
  });
});

describe("parseChatRequest: leniency (B.7, B.8)", () => {
  it("ignores unknown and unused top-level fields of any shape", () => {
    const lenient = withFields({
      metadata: { a: "b" },
      store: true,
      prediction: { type: "content", content: "x" },
      service_tier: "auto",
      verbosity: "low",
      safety_identifier: "s",
      prompt_cache_key: "k",
      modalities: ["text"],
      audio: null,
      web_search_options: {},
      seed: 42,
      user: "u-1",
      logit_bias: { "50256": -100 },
      logprobs: true,
      top_logprobs: 3,
      providerOptions: { anything: { nested: [1, 2] } },
      extra_body: "left over",
    });
    expect(parseChatRequest(lenient)).toEqual(parseChatRequest(base));
  });

  it("accepts stream_options.include_obfuscation and reads include_usage when streaming", () => {
    const parsed = parseChatRequest(
      withFields({ stream: true, stream_options: { include_usage: true, include_obfuscation: false } }),
    );
    expect(parsed.stream).toBe(true);
    expect(parsed.includeUsage).toBe(true);
  });

  it("reports includeUsage only for streams", () => {
    expect(parseChatRequest(withFields({ stream: false, stream_options: { include_usage: true } })).includeUsage).toBe(false);
    expect(parseChatRequest(withFields({ stream: true })).includeUsage).toBe(false);
    expect(parseChatRequest(withFields({ stream: true, stream_options: null })).includeUsage).toBe(false);
  });

  it("accepts null for nullable fields", () => {
    const parsed = parseChatRequest(
      withFields({
        temperature: null,
        top_p: null,
        n: null,
        max_tokens: null,
        stop: null,
        tools: null,
        tool_choice: null,
        response_format: null,
        reasoning_effort: null,
        stream: null,
        parallel_tool_calls: null,
      }),
    );
    expect(parsed).toEqual(parseChatRequest(base));
  });

  it("accepts sampling parameters at the edges of their ranges", () => {
    for (const fields of [
      { temperature: 0, top_p: 0, frequency_penalty: -2, presence_penalty: -2 },
      { temperature: 2, top_p: 1, frequency_penalty: 2, presence_penalty: 2 },
      { temperature: 0.7, top_p: 0.95, n: 1 },
    ]) {
      expect(parseChatRequest(withFields(fields)).turn.model).toBe("gpt-4.1");
    }
  });

  it("accepts text parts with cache_control and other extra keys in every role", () => {
    const cached = (text: string) => ({ type: "text", text, cache_control: { type: "ephemeral" }, extra: 1 });
    const { turn } = parseChatRequest(
      withMessages(
        { role: "system", content: [cached("You are "), cached("helpful.")] },
        { role: "user", content: [cached("Hello"), cached("again")] },
        { role: "assistant", content: [cached("Sure.")] },
        { role: "user", content: "ok" },
      ),
    );
    expect(turn.messages).toEqual([
      { role: "system", text: "You are helpful." },
      { role: "user", content: [{ type: "text", text: "Hello" }, { type: "text", text: "again" }] },
      { role: "assistant", text: "Sure.", toolCalls: [] },
      { role: "user", content: [{ type: "text", text: "ok" }] },
    ]);
  });

  it("accepts `name` on messages", () => {
    const { turn } = parseChatRequest(
      withMessages(
        { role: "system", name: "rules", content: "Be brief." },
        { role: "user", name: "alice", content: "hi" },
        { role: "assistant", name: "bot", content: "hello" },
      ),
    );
    expect(turn.messages).toEqual([
      { role: "system", text: "Be brief." },
      { role: "user", content: [{ type: "text", text: "hi" }] },
      { role: "assistant", text: "hello", toolCalls: [] },
    ]);
  });

  it("accepts reasoning_content, reasoning and reasoning_details in assistant history, keeping the text as reasoning", () => {
    const { turn } = parseChatRequest(
      withMessages(USER_HI, {
        role: "assistant",
        content: "Answer.",
        reasoning_content: "I thought.",
        reasoning: "I thought.",
        reasoning_details: [{ type: "reasoning.text", text: "I thought." }],
      }),
    );
    expect(turn.messages[1]).toEqual({ role: "assistant", text: "Answer.", toolCalls: [], reasoning: "I thought." });
    const detailsOnly = parseChatRequest(withMessages(USER_HI, { role: "assistant", content: "A.", reasoning_details: [{ type: "reasoning.text", text: "x" }] }));
    expect(detailsOnly.turn.messages[1]).toEqual({ role: "assistant", text: "A.", toolCalls: [] });
  });

  it("maps developer to system", () => {
    const { turn } = parseChatRequest(withMessages({ role: "developer", content: "Rules." }, USER_HI));
    expect(turn.messages[0]).toEqual({ role: "system", text: "Rules." });
  });

  it("accepts empty, blank and null content", () => {
    const { turn } = parseChatRequest(
      withMessages(
        { role: "system", content: null },
        { role: "user", content: " " },
        { role: "assistant", content: "" },
        { role: "user", content: "" },
        { role: "user", content: null },
        { role: "user", content: [] },
      ),
    );
    expect(turn.messages).toEqual([
      { role: "system", text: "" },
      { role: "user", content: [{ type: "text", text: " " }] },
      { role: "assistant", text: "", toolCalls: [] },
      { role: "user", content: [{ type: "text", text: "" }] },
      { role: "user", content: [{ type: "text", text: "" }] },
      { role: "user", content: [{ type: "text", text: "" }] },
    ]);
  });

  it("accepts an assistant turn of tool calls with null or absent content, and pairs tool results by id", () => {
    const call = (id: string, args: unknown) => ({ id, type: "function", function: { name: "get_weather", arguments: args } });
    const { turn } = parseChatRequest(
      withMessages(
        USER_HI,
        { role: "assistant", content: null, tool_calls: [call("call_1", '{"city":"Paris"}'), call("call_2", { city: "Rome" })] },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "rain" }, { type: "text", text: "y" }] },
        { role: "assistant", tool_calls: [{ id: "call_3", function: { name: "get_weather" } }] },
        { role: "tool", tool_call_id: "call_3", content: "" },
      ),
    );
    expect(turn.messages.slice(1)).toEqual([
      {
        role: "assistant",
        text: "",
        toolCalls: [
          { id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
          { id: "call_2", name: "get_weather", arguments: '{"city":"Rome"}' },
        ],
      },
      { role: "tool", toolCallId: "call_1", text: "sunny" },
      { role: "tool", toolCallId: "call_2", text: "rainy" },
      { role: "assistant", text: "", toolCalls: [{ id: "call_3", name: "get_weather", arguments: "{}" }] },
      { role: "tool", toolCallId: "call_3", text: "" },
    ]);
  });

  it("keeps OpenAI's own refusal parts in assistant history as text", () => {
    const { turn } = parseChatRequest(
      withMessages(USER_HI, { role: "assistant", content: [{ type: "refusal", refusal: "I can't help with that." }] }),
    );
    expect(turn.messages[1]).toEqual({ role: "assistant", text: "I can't help with that.", toolCalls: [] });
  });

  it("maps legacy function_call history and function results with stable, paired ids", () => {
    const body = withMessages(
      USER_HI,
      { role: "assistant", content: null, function_call: { name: "lookup", arguments: '{"q":"a"}' } },
      { role: "function", name: "lookup", content: "A" },
      { role: "assistant", content: null, function_call: { name: "lookup", arguments: '{"q":"b"}' } },
      { role: "function", name: "lookup", content: "B" },
      { role: "function", name: "orphan", content: "?" },
    );
    const { turn } = parseChatRequest(body);
    expect(turn.messages.slice(1)).toEqual([
      { role: "assistant", text: "", toolCalls: [{ id: "call_legacy_0", name: "lookup", arguments: '{"q":"a"}' }] },
      { role: "tool", toolCallId: "call_legacy_0", text: "A" },
      { role: "assistant", text: "", toolCalls: [{ id: "call_legacy_1", name: "lookup", arguments: '{"q":"b"}' }] },
      { role: "tool", toolCallId: "call_legacy_1", text: "B" },
      // No matching call: lenient, the name stands in for the id (B.8 #49).
      { role: "tool", toolCallId: "orphan", text: "?" },
    ]);
    // Resending the same history yields the same ids: the ledger matches transcripts by them.
    expect(parseChatRequest(body).turn.messages).toEqual(turn.messages);
  });

  it("maps base64 data URL images with any detail, a bare-string image_url and wrapped base64", () => {
    const wrapped = `${PNG_BASE64.slice(0, 20)}\n${PNG_BASE64.slice(20)}`;
    const { turn } = parseChatRequest(
      withMessages({
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_BASE64}`, detail: "low" } },
          { type: "image_url", image_url: { url: `data:image/jpeg;base64,${PNG_BASE64}`, detail: "high" } },
          { type: "image_url", image_url: { url: `data:IMAGE/WEBP;base64,${PNG_BASE64}`, detail: "auto" } },
          { type: "image_url", image_url: `data:image/gif;base64,${PNG_BASE64}` },
          { type: "image_url", image_url: { url: `data:image/png;base64,${wrapped}` } },
        ],
      }),
    );
    expect(turn.messages[0]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image", mimeType: "image/png", data: PNG_BASE64 },
        { type: "image", mimeType: "image/jpeg", data: PNG_BASE64 },
        { type: "image", mimeType: "image/webp", data: PNG_BASE64 },
        { type: "image", mimeType: "image/gif", data: PNG_BASE64 },
        { type: "image", mimeType: "image/png", data: PNG_BASE64 },
      ],
    });
  });

  it("accepts any number of stop words, a single string, and drops empty ones", () => {
    const many = ["a", "b", "c", "d", "e", "f"];
    expect(parseChatRequest(withFields({ stop: many })).turn.stop).toEqual(many);
    expect(parseChatRequest(withFields({ stop: "END" })).turn.stop).toEqual(["END"]);
    expect(parseChatRequest(withFields({ stop: ["", "x", ""] })).turn.stop).toEqual(["x"]);
    expect(parseChatRequest(withFields({ stop: "" })).turn.stop).toEqual([]);
    expect(parseChatRequest(withFields({ stop: [] })).turn.stop).toEqual([]);
  });

  it("takes max_completion_tokens ?? max_tokens", () => {
    expect(parseChatRequest(withFields({ max_tokens: 100 })).turn.maxOutputTokens).toBe(100);
    expect(parseChatRequest(withFields({ max_completion_tokens: 200 })).turn.maxOutputTokens).toBe(200);
    expect(parseChatRequest(withFields({ max_tokens: 100, max_completion_tokens: 200 })).turn.maxOutputTokens).toBe(200);
    expect(parseChatRequest(withFields({ max_tokens: 100, max_completion_tokens: null })).turn.maxOutputTokens).toBe(100);
  });

  it("maps reasoning_effort, lifting none/minimal to the runtime's lowest effort", () => {
    const effort = (value: string) => parseChatRequest(withFields({ reasoning_effort: value })).turn.reasoningEffort;
    expect(effort("none")).toBe("low");
    expect(effort("minimal")).toBe("low");
    for (const value of ["low", "medium", "high", "xhigh", "max"]) expect(effort(value)).toBe(value);
  });

  it("maps response_format", () => {
    const format = (value: unknown) => parseChatRequest(withFields({ response_format: value })).turn.responseFormat;
    expect(format({ type: "text" })).toBeUndefined();
    expect(format({ type: "json_object" })).toEqual({ type: "json_object" });
    const schema = { type: "object", properties: { a: { type: "string" } }, required: ["a"] };
    expect(
      format({ type: "json_schema", json_schema: { name: "thing", schema, strict: true, description: "A thing" } }),
    ).toEqual({ type: "json_schema", name: "thing", schema, strict: true, description: "A thing" });
    const unnamed = format({ type: "json_schema", json_schema: { schema } });
    expect(unnamed).toEqual({ type: "json_schema", name: "response", schema });
    expect(unnamed && "strict" in unnamed).toBe(false);
  });

  it("maps tools with parameters missing or {}, strict:true, description missing", () => {
    const parameters = { type: "object", properties: { city: { type: "string" } } };
    const { turn } = parseChatRequest(
      withFields({
        tools: [
          { type: "function", function: { name: "a", description: "A", parameters, strict: true } },
          { type: "function", function: { name: "b", parameters: {} } },
          { type: "function", function: { name: "c" } },
          { function: { name: "d", description: null } },
        ],
      }),
    );
    expect(turn.tools).toEqual([
      { name: "a", description: "A", parameters },
      { name: "b", parameters: {} },
      { name: "c" },
      { name: "d" },
    ]);
    expect("parameters" in turn.tools[2]!).toBe(false);
  });

  it("maps legacy functions when tools is absent, and prefers tools when both are sent", () => {
    const functions = [{ name: "legacy", parameters: { type: "object" } }];
    expect(parseChatRequest(withFields({ functions })).turn.tools).toEqual([{ name: "legacy", parameters: { type: "object" } }]);
    const both = withFields({ functions, tools: [{ type: "function", function: { name: "modern" } }] });
    expect(parseChatRequest(both).turn.tools).toEqual([{ name: "modern" }]);
  });

  it("maps tool_choice and legacy function_call", () => {
    const tools = [{ type: "function", function: { name: "get_weather" } }];
    const choice = (fields: Record<string, unknown>) => parseChatRequest(withFields({ tools, ...fields })).turn.toolChoice;
    expect(choice({})).toBe("auto");
    for (const value of ["none", "auto", "required"]) expect(choice({ tool_choice: value })).toBe(value);
    expect(choice({ tool_choice: { type: "function", function: { name: "get_weather" } } })).toEqual({ name: "get_weather" });
    const functions = [{ name: "lookup" }];
    const legacy = (value: unknown) => parseChatRequest(withFields({ functions, function_call: value })).turn.toolChoice;
    expect(legacy("none")).toBe("none");
    expect(legacy("auto")).toBe("auto");
    expect(legacy({ name: "lookup" })).toEqual({ name: "lookup" });
    // none/auto need no tools at all.
    expect(parseChatRequest(withFields({ tool_choice: "none" })).turn.toolChoice).toBe("none");
  });

  it("reads parallel_tool_calls, default true", () => {
    expect(parseChatRequest(withFields({ parallel_tool_calls: false })).turn.parallelToolCalls).toBe(false);
    expect(parseChatRequest(withFields({ parallel_tool_calls: true })).turn.parallelToolCalls).toBe(true);
  });
});

describe("parseChatRequest: rejections name the parameter", () => {
  it("rejects a body that is not an object with param null", () => {
    for (const body of [null, undefined, "hi", 5, [], [base]]) {
      const error = expectBadRequest(body, null);
      expect(error.message).toMatch(/JSON object/);
    }
  });

  it("rejects a missing, non-string or empty model", () => {
    expect(expectBadRequest({ messages: [USER_HI] }, "model", "missing_required_parameter").message).toBe(
      "Missing required parameter: 'model'.",
    );
    expectBadRequest({ model: 5, messages: [USER_HI] }, "model", "invalid_type");
    expectBadRequest({ model: null, messages: [USER_HI] }, "model");
    expect(expectBadRequest({ model: "", messages: [USER_HI] }, "model").message).toMatch(/non-empty string/);
  });

  it("rejects missing, empty or non-array messages", () => {
    expectBadRequest({ model: "m" }, "messages", "missing_required_parameter");
    expect(expectBadRequest({ model: "m", messages: [] }, "messages").message).toMatch(/non-empty array/);
    expectBadRequest({ model: "m", messages: "hi" }, "messages", "invalid_type");
    expectBadRequest({ model: "m", messages: { role: "user" } }, "messages", "invalid_type");
  });

  it("rejects a message that is not an object", () => {
    expect(expectBadRequest(withMessages(USER_HI, "hello"), "messages[1]").message).toMatch(/message object/);
  });

  it("rejects an unknown or missing role", () => {
    const error = expectBadRequest(withMessages(USER_HI, USER_HI, { role: "bot", content: "x" }), "messages[2].role");
    expect(error.message).toMatch(/'system', 'developer', 'user', 'assistant', 'tool' or 'function'/);
    expect(error.message).toContain('"bot"');
    expectBadRequest(withMessages({ content: "x" }), "messages[0].role", "missing_required_parameter");
  });

  it("requires tool_call_id on tool messages and name on function messages", () => {
    expectBadRequest(withMessages(USER_HI, { role: "tool", content: "x" }), "messages[1].tool_call_id", "missing_required_parameter");
    expectBadRequest(withMessages(USER_HI, { role: "tool", tool_call_id: 7, content: "x" }), "messages[1].tool_call_id", "invalid_type");
    expectBadRequest(withMessages(USER_HI, { role: "function", content: "x" }), "messages[1].name");
  });

  it("rejects content of the wrong type and parts without a type", () => {
    expectBadRequest(withMessages({ role: "user", content: 5 }), "messages[0].content");
    expectBadRequest(withMessages({ role: "user", content: { text: "x" } }), "messages[0].content");
    expectBadRequest(withMessages({ role: "user", content: [{ type: "text", text: "a" }, { text: "b" }] }), "messages[0].content[1].type");
    expectBadRequest(withMessages({ role: "user", content: ["a"] }), "messages[0].content[0]");
    expectBadRequest(withMessages({ role: "user", content: [{ type: "text", text: 5 }] }), "messages[0].content[0].text");
  });

  it("rejects remote image URLs and asks for a base64 data URL (no fetching, no SSRF)", () => {
    for (const url of ["https://example.com/cat.png", "http://169.254.169.254/latest/meta-data", "ftp://x/y.png", "file:///etc/passwd", "cat.png"]) {
      const error = expectBadRequest(
        withMessages(USER_HI, { role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url } }] }),
        "messages[1].content[1]",
        "unsupported_value",
      );
      expect(error.message).toMatch(/base64 data URL/);
      expect(error.message).toContain("data:image/png;base64,");
    }
  });

  it("rejects malformed image data URLs", () => {
    for (const url of [
      `data:image/png,${PNG_BASE64}`,
      "data:text/plain;base64,aGk=",
      "data:;base64,aGk=",
      "data:image/;base64,aGk=",
      "data:image/png;base64,",
      "data:image/png;base64,not base64!",
      "data:image/png;base64",
    ]) {
      const error = expectBadRequest(
        withMessages({ role: "user", content: [{ type: "image_url", image_url: { url } }] }),
        "messages[0].content[0]",
        "invalid_image_url",
      );
      expect(error.message).toMatch(/data URL/);
    }
    expectBadRequest(withMessages({ role: "user", content: [{ type: "image_url", image_url: {} }] }), "messages[0].content[0].image_url.url");
    expectBadRequest(withMessages({ role: "user", content: [{ type: "image_url" }] }), "messages[0].content[0].image_url");
  });

  it("rejects audio, file, video and unknown part types with a clear message", () => {
    for (const part of [
      { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
      { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=" } },
      { type: "video_url", video_url: { url: "https://x/v.mp4" } },
      { type: "hologram" },
    ]) {
      const error = expectBadRequest(
        withMessages({ role: "user", content: [{ type: "text", text: "see" }, part] }),
        "messages[0].content[1]",
        "unsupported_value",
      );
      expect(error.message).toContain(`'${part.type}' is not supported`);
    }
  });

  it("rejects non-text parts in system, developer, assistant and tool messages", () => {
    const image = { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_BASE64}` } };
    for (const role of ["system", "developer", "assistant"]) {
      const error = expectBadRequest(withMessages({ role, content: [image] }, USER_HI), "messages[0].content[0]", "unsupported_value");
      expect(error.message).toContain(`'${role}' messages`);
    }
    expectBadRequest(withMessages(USER_HI, { role: "tool", tool_call_id: "c", content: [{ type: "text", text: "a" }, image] }), "messages[1].content[1]");
    expectBadRequest(withMessages({ role: "system", content: [{ type: "refusal", refusal: "no" }] }), "messages[0].content[0]");
  });

  it("rejects malformed assistant tool calls in history", () => {
    const assistant = (toolCall: unknown) => withMessages(USER_HI, { role: "assistant", content: null, tool_calls: [toolCall] });
    expectBadRequest(assistant({ type: "function", function: { name: "f", arguments: "{}" } }), "messages[1].tool_calls[0].id");
    expectBadRequest(assistant({ id: "c", type: "function", function: { arguments: "{}" } }), "messages[1].tool_calls[0].function.name");
    expectBadRequest(assistant({ id: "c", type: "function" }), "messages[1].tool_calls[0].function");
    expectBadRequest(withMessages(USER_HI, { role: "assistant", tool_calls: "nope" }), "messages[1].tool_calls");
  });

  it("rejects n > 1 as unsupported and a malformed n", () => {
    const error = expectBadRequest(withFields({ n: 2 }), "n", "unsupported_value");
    expect(error.message).toMatch(/one choice per request/);
    expectBadRequest(withFields({ n: 0 }), "n", "invalid_value");
    expectBadRequest(withFields({ n: 1.5 }), "n");
    expectBadRequest(withFields({ n: "2" }), "n", "invalid_type");
  });

  it("rejects token limits that are not positive integers", () => {
    for (const param of ["max_tokens", "max_completion_tokens"]) {
      for (const value of [0, -1, 1.5, "100"]) {
        expect(expectBadRequest(withFields({ [param]: value }), param).message).toMatch(/positive integer/);
      }
    }
  });

  it("rejects sampling parameters out of range or of the wrong type", () => {
    const cases: [string, unknown, RegExp][] = [
      ["temperature", 2.1, /between 0 and 2/],
      ["temperature", -0.1, /between 0 and 2/],
      ["temperature", "1", /between 0 and 2/],
      ["top_p", 1.1, /between 0 and 1/],
      ["frequency_penalty", -2.5, /between -2 and 2/],
      ["presence_penalty", 3, /between -2 and 2/],
      ["presence_penalty", true, /between -2 and 2/],
    ];
    for (const [param, value, message] of cases) {
      const error = expectBadRequest(withFields({ [param]: value }), param);
      expect(error.message).toMatch(message);
      expect(error.message).toContain(JSON.stringify(value));
    }
  });

  it("rejects stop of the wrong type", () => {
    expectBadRequest(withFields({ stop: 5 }), "stop");
    expectBadRequest(withFields({ stop: { word: "x" } }), "stop");
    // Inside an array the offending element is named.
    expectBadRequest(withFields({ stop: ["a", 1] }), "stop[1]", "invalid_type");
  });

  it("rejects an unknown reasoning_effort as unsupported", () => {
    const error = expectBadRequest(withFields({ reasoning_effort: "extreme" }), "reasoning_effort", "unsupported_value");
    expect(error.message).toContain('"extreme"');
    expectBadRequest(withFields({ reasoning_effort: 3 }), "reasoning_effort", "invalid_type");
  });

  it("rejects malformed response_format", () => {
    expectBadRequest(withFields({ response_format: { type: "xml" } }), "response_format.type");
    expectBadRequest(withFields({ response_format: {} }), "response_format.type", "missing_required_parameter");
    expectBadRequest(withFields({ response_format: "json" }), "response_format");
    expectBadRequest(withFields({ response_format: { type: "json_schema" } }), "response_format.json_schema", "missing_required_parameter");
    expectBadRequest(
      withFields({ response_format: { type: "json_schema", json_schema: { name: "x" } } }),
      "response_format.json_schema.schema",
      "missing_required_parameter",
    );
    expectBadRequest(
      withFields({ response_format: { type: "json_schema", json_schema: { name: "x", schema: "{}" } } }),
      "response_format.json_schema.schema",
      "invalid_type",
    );
  });

  it("rejects malformed tools", () => {
    expect(expectBadRequest(withFields({ tools: [{ type: "web_search_preview" }] }), "tools[0].type").message).toMatch(
      /only tool type/,
    );
    const valid = { type: "function", function: { name: "ok" } };
    expectBadRequest(withFields({ tools: [valid, { type: "function", function: { description: "x" } }] }), "tools[1].function.name");
    expectBadRequest(withFields({ tools: [valid, { type: "function", function: { name: "" } }] }), "tools[1].function.name");
    expectBadRequest(withFields({ tools: [{ type: "function" }] }), "tools[0].function", "missing_required_parameter");
    expectBadRequest(withFields({ tools: [{ type: "function", function: { name: "f", parameters: [] } }] }), "tools[0].function.parameters");
    expectBadRequest(withFields({ tools: { type: "function" } }), "tools");
    expectBadRequest(withFields({ functions: [{ description: "x" }] }), "functions[0].name");
  });

  it("rejects a tool_choice the gateway cannot honour", () => {
    const tools = [{ type: "function", function: { name: "get_weather" } }];
    const named = (name: string) => ({ type: "function", function: { name } });
    expect(expectBadRequest(withFields({ tools, tool_choice: named("send_email") }), "tool_choice", "invalid_value").message).toContain(
      '"send_email"',
    );
    expectBadRequest(withFields({ tool_choice: named("get_weather") }), "tool_choice");
    expectBadRequest(withFields({ tools, tool_choice: "always" }), "tool_choice");
    expectBadRequest(withFields({ tool_choice: "required" }), "tool_choice");
    expectBadRequest(withFields({ tools, tool_choice: { type: "allowed_tools", allowed_tools: {} } }), "tool_choice.type");
    expectBadRequest(withFields({ tools, tool_choice: 1 }), "tool_choice");
    expectBadRequest(withFields({ functions: [{ name: "lookup" }], function_call: { name: "other" } }), "function_call");
    expectBadRequest(withFields({ functions: [{ name: "lookup" }], function_call: "required" }), "function_call");
  });

  it("rejects wrongly typed stream, stream_options and parallel_tool_calls", () => {
    expectBadRequest(withFields({ stream: "yes" }), "stream", "invalid_type");
    expectBadRequest(withFields({ stream: true, stream_options: "usage" }), "stream_options");
    expectBadRequest(withFields({ stream: true, stream_options: { include_usage: "yes" } }), "stream_options.include_usage");
    expectBadRequest(withFields({ parallel_tool_calls: "false" }), "parallel_tool_calls");
  });

  it("reports the first problem in body order: model before messages before options", () => {
    expectBadRequest({ messages: [], temperature: 9 }, "model");
    expectBadRequest({ model: "m", messages: [], temperature: 9 }, "messages");
  });
});
