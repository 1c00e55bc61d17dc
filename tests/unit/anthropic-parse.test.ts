// parseMessagesRequest: contract B.13 #71 (what Claude Code sends is accepted),
// #81 (thinking sent back is never a 400), and a clear 400 naming the field
// for what is malformed.
import { describe, expect, it } from "vitest";
import { parseMessagesRequest } from "../../src/dialects/anthropic/parse.js";
import { TOOL_RESULT_IMAGE_PLACEHOLDER } from "../../src/dialects/anthropic/content.js";
import { GatewayError } from "../../src/core/gateway-error.js";

const base = { model: "claude-sonnet-4-5-20250929", max_tokens: 1024, messages: [{ role: "user", content: "hi" }] };
const withFields = (fields: Record<string, unknown>) => ({ ...base, ...fields });
const withMessages = (...messages: unknown[]) => ({ ...base, messages });
const HI = [{ type: "text", text: "hi" }];

// 1x1 transparent PNG.
const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

function rejection(body: unknown): GatewayError {
  try {
    parseMessagesRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error("expected parseMessagesRequest to throw");
}

/** A 400 whose message and param both name the field. */
function expectBadRequest(body: unknown, param: string | null, messagePart?: string): GatewayError {
  const error = rejection(body);
  expect(error.status).toBe(400);
  expect(error.param).toBe(param);
  if (param !== null) expect(error.message).toContain(`'${param}'`);
  if (messagePart !== undefined) expect(error.message).toContain(messagePart);
  return error;
}

describe("parseMessagesRequest: defaults", () => {
  it("maps a minimal request with every default spelled out", () => {
    expect(parseMessagesRequest(base)).toEqual({
      turn: {
        model: "claude-sonnet-4-5-20250929",
        messages: [{ role: "user", content: HI }],
        tools: [],
        toolChoice: "auto",
        parallelToolCalls: true,
        stop: [],
        maxOutputTokens: 1024,
      },
      stream: false,
      thinking: false,
    });
  });

  it("accepts a request without max_tokens (count_tokens sends none)", () => {
    const { turn } = parseMessagesRequest({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect("maxOutputTokens" in turn).toBe(false);
  });
});

describe("parseMessagesRequest: leniency (B.13 #71)", () => {
  it("ignores unknown and unused top-level fields: temperature, top_p, top_k, metadata, betas…", () => {
    const lenient = withFields({
      temperature: 1,
      top_p: 0.9,
      top_k: 40,
      metadata: { user_id: "user_abc_account_123_session_456" },
      service_tier: "auto",
      container: null,
      context_management: { edits: [{ type: "clear_tool_uses_20250919" }] },
      mcp_servers: [],
      betas: ["claude-code-20250219"],
      anything: { nested: [1, 2] },
    });
    expect(parseMessagesRequest(lenient)).toEqual(parseMessagesRequest(base));
  });

  it("accepts null for optional fields", () => {
    const nulls = withFields({ system: null, stop_sequences: null, stream: null, tools: null, tool_choice: null, thinking: null, output_config: null });
    expect(parseMessagesRequest(nulls)).toEqual(parseMessagesRequest(base));
  });

  it("reads stream, max_tokens as sent by Claude Code (32000) and stop_sequences, dropping empty ones", () => {
    const { turn, stream } = parseMessagesRequest(withFields({ stream: true, max_tokens: 32000, stop_sequences: ["\n\nHuman:", ""] }));
    expect(stream).toBe(true);
    expect(turn.maxOutputTokens).toBe(32000);
    expect(turn.stop).toEqual(["\n\nHuman:"]);
  });

  it("takes system as a string or as text blocks with cache_control, joined as paragraphs", () => {
    expect(parseMessagesRequest(withFields({ system: "Be brief." })).turn.messages[0]).toEqual({ role: "system", text: "Be brief." });
    const blocks = [
      { type: "text", text: "You are Claude Code, Anthropic's official CLI for Claude." },
      { type: "text", text: "Follow the rules.", cache_control: { type: "ephemeral" } },
    ];
    expect(parseMessagesRequest(withFields({ system: blocks })).turn.messages[0]).toEqual({
      role: "system",
      text: "You are Claude Code, Anthropic's official CLI for Claude.\n\nFollow the rules.",
    });
    expect(parseMessagesRequest(withFields({ system: "" })).turn.messages).toHaveLength(1);
  });

  it("accepts an in-conversation system message", () => {
    const { turn } = parseMessagesRequest(withMessages({ role: "system", content: [{ type: "text", text: "Rules." }] }, { role: "user", content: "hi" }));
    expect(turn.messages).toEqual([{ role: "system", text: "Rules." }, { role: "user", content: HI }]);
  });

  it("accepts text blocks with cache_control and citations, and empty or absent content", () => {
    const { turn } = parseMessagesRequest(
      withMessages(
        { role: "user", content: [{ type: "text", text: "Hello", cache_control: { type: "ephemeral" } }, { type: "text", text: "again" }] },
        { role: "assistant", content: [{ type: "text", text: "Sure.", citations: null }] },
        { role: "user", content: "" },
        { role: "user", content: [] },
        { role: "user" },
      ),
    );
    expect(turn.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Hello" }, { type: "text", text: "again" }] },
      { role: "assistant", text: "Sure.", toolCalls: [] },
      { role: "user", content: [{ type: "text", text: "" }] },
      { role: "user", content: [{ type: "text", text: "" }] },
      { role: "user", content: [{ type: "text", text: "" }] },
    ]);
  });

  it("accepts thinking and redacted_thinking with any signature, never a 400 (B.13 #81); thinking text is kept as reasoning", () => {
    const { turn } = parseMessagesRequest(
      withMessages(
        { role: "user", content: "think" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "Let me see.", signature: "not-a-real-signature" },
            { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix/LafPsn4a…" },
            { type: "text", text: "Done." },
          ],
        },
        { role: "user", content: [{ type: "thinking", thinking: "stray", signature: "" }, { type: "text", text: "next" }] },
      ),
    );
    expect(turn.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "think" }] },
      { role: "assistant", text: "Done.", toolCalls: [], reasoning: "Let me see." },
      { role: "user", content: [{ type: "text", text: "next" }] },
    ]);
  });

  it("concatenates an assistant's text blocks as sent, so the answer matches what was streamed", () => {
    const { turn } = parseMessagesRequest(
      withMessages({ role: "user", content: "hi" }, { role: "assistant", content: [{ type: "text", text: "Hello" }, { type: "text", text: " there" }] }),
    );
    expect(turn.messages[1]).toEqual({ role: "assistant", text: "Hello there", toolCalls: [] });
  });

  it("maps a plain-text document block to text", () => {
    const { turn } = parseMessagesRequest(
      withMessages({ role: "user", content: [{ type: "document", source: { type: "text", media_type: "text/plain", data: "notes" } }] }),
    );
    expect(turn.messages[0]).toEqual({ role: "user", content: [{ type: "text", text: "notes" }] });
  });
});

describe("parseMessagesRequest: images", () => {
  it("maps a base64 image to an image part", () => {
    const { turn } = parseMessagesRequest(
      withMessages({
        role: "user",
        content: [
          { type: "image", source: { type: "base64", media_type: "image/PNG", data: PNG_BASE64 } },
          { type: "text", text: "What is this?" },
        ],
      }),
    );
    expect(turn.messages[0]).toEqual({
      role: "user",
      content: [
        { type: "image", mimeType: "image/png", data: PNG_BASE64 },
        { type: "text", text: "What is this?" },
      ],
    });
  });

  it("rejects a url source with a 400 asking for base64", () => {
    const body = withMessages({ role: "user", content: [{ type: "image", source: { type: "url", url: "https://example.com/a.png" } }] });
    const error = expectBadRequest(body, "messages[0].content[0].source", "base64");
    expect(error.message).toContain("not fetched");
  });

  it("rejects malformed base64 sources, naming the field", () => {
    const image = (source: unknown) => withMessages({ role: "user", content: [{ type: "image", source }] });
    expectBadRequest(image({ type: "base64", media_type: "image/png", data: "not base64!" }), "messages[0].content[0].source.data");
    expectBadRequest(image({ type: "base64", media_type: "text/plain", data: PNG_BASE64 }), "messages[0].content[0].source.media_type");
    expectBadRequest(image({ type: "base64", media_type: "image/png" }), "messages[0].content[0].source.data");
    expectBadRequest(image(undefined), "messages[0].content[0].source");
  });
});

describe("parseMessagesRequest: tool use and tool results", () => {
  const toolUse = (id: string, input?: unknown) => ({ type: "tool_use", id, name: "get_weather", ...(input === undefined ? {} : { input }) });

  it("maps tool_use blocks to tool calls with arguments = JSON.stringify(input)", () => {
    const { turn } = parseMessagesRequest(
      withMessages(
        { role: "user", content: "weather?" },
        { role: "assistant", content: [{ type: "text", text: "Checking." }, toolUse("toolu_1", { city: "Paris" }), toolUse("toolu_2")] },
      ),
    );
    expect(turn.messages[1]).toEqual({
      role: "assistant",
      text: "Checking.",
      toolCalls: [
        { id: "toolu_1", name: "get_weather", arguments: '{"city":"Paris"}' },
        { id: "toolu_2", name: "get_weather", arguments: "{}" },
      ],
    });
  });

  it("splits tool_result blocks out of the user message into tool messages, in order, then the rest as a user message", () => {
    const { turn } = parseMessagesRequest(
      withMessages(
        { role: "user", content: "weather in two cities?" },
        { role: "assistant", content: [toolUse("toolu_1", { city: "Paris" }), toolUse("toolu_2", { city: "Rome" })] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "sunny", cache_control: { type: "ephemeral" } },
            { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "rain" }, { type: "text", text: "12°C" }] },
            { type: "text", text: "<system-reminder>Be brief.</system-reminder>" },
          ],
        },
      ),
    );
    expect(turn.messages.slice(2)).toEqual([
      { role: "tool", toolCallId: "toolu_1", text: "sunny" },
      { role: "tool", toolCallId: "toolu_2", text: "rain\n12°C" },
      { role: "user", content: [{ type: "text", text: "<system-reminder>Be brief.</system-reminder>" }] },
    ]);
  });

  it("yields only tool messages for a user message of results only", () => {
    const { turn } = parseMessagesRequest(
      withMessages(
        { role: "user", content: "go" },
        { role: "assistant", content: [toolUse("toolu_1", {})] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1" }] },
      ),
    );
    expect(turn.messages.slice(2)).toEqual([{ role: "tool", toolCallId: "toolu_1", text: "" }]);
  });

  it("puts content placed before the results after them, so results stay next to their calls", () => {
    const { turn } = parseMessagesRequest(
      withMessages({ role: "user", content: [{ type: "text", text: "note" }, { type: "tool_result", tool_use_id: "toolu_1", content: "ok" }] }),
    );
    expect(turn.messages).toEqual([
      { role: "tool", toolCallId: "toolu_1", text: "ok" },
      { role: "user", content: [{ type: "text", text: "note" }] },
    ]);
  });

  it("marks an is_error result as a failed call", () => {
    const { turn } = parseMessagesRequest(
      withMessages({ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", is_error: true, content: "ENOENT: no such file" }] }),
    );
    expect(turn.messages[0]).toEqual({ role: "tool", toolCallId: "toolu_1", text: "ENOENT: no such file", isError: true });
  });

  it("replaces an image inside a tool result with a placeholder (Claude Code's Read of a screenshot)", () => {
    const { turn } = parseMessagesRequest(
      withMessages({
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: "toolu_1",
            content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: PNG_BASE64 } }, { type: "text", text: "1x1" }],
          },
        ],
      }),
    );
    expect(turn.messages[0]).toEqual({ role: "tool", toolCallId: "toolu_1", text: `${TOOL_RESULT_IMAGE_PLACEHOLDER}\n1x1` });
  });

  it("maps tools with input_schema, and tolerates a missing description or schema", () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const { turn } = parseMessagesRequest(
      withFields({
        tools: [
          { name: "get_weather", description: "Weather.", input_schema: schema, cache_control: { type: "ephemeral" } },
          { type: "custom", name: "noop", input_schema: { type: "object" } },
          { name: "bare" },
        ],
      }),
    );
    expect(turn.tools).toEqual([
      { name: "get_weather", description: "Weather.", parameters: schema },
      { name: "noop", parameters: { type: "object" } },
      { name: "bare" },
    ]);
  });

  it.each([
    [{ type: "auto" }, "auto", true],
    [{ type: "any" }, "required", true],
    [{ type: "tool", name: "get_weather" }, { name: "get_weather" }, true],
    [{ type: "none" }, "none", true],
    [{ type: "auto", disable_parallel_tool_use: true }, "auto", false],
    [{ type: "any", disable_parallel_tool_use: false }, "required", true],
  ])("maps tool_choice %j", (toolChoice, expected, parallel) => {
    const { turn } = parseMessagesRequest(withFields({ tools: [{ name: "get_weather", input_schema: { type: "object" } }], tool_choice: toolChoice }));
    expect(turn.toolChoice).toEqual(expected);
    expect(turn.parallelToolCalls).toBe(parallel);
  });
});

describe("parseMessagesRequest: thinking and effort", () => {
  it.each([
    [1024, "low"],
    [4000, "low"],
    [4096, "medium"],
    [10000, "medium"],
    [16384, "high"],
    [31999, "high"],
  ])("maps thinking.budget_tokens %i to reasoning effort %s and turns thinking blocks on", (budget, effort) => {
    const parsed = parseMessagesRequest(withFields({ thinking: { type: "enabled", budget_tokens: budget } }));
    expect(parsed.turn.reasoningEffort).toBe(effort);
    expect(parsed.thinking).toBe(true);
  });

  it("leaves the effort alone for disabled and adaptive thinking; adaptive still asks for thinking blocks", () => {
    const disabled = parseMessagesRequest(withFields({ thinking: { type: "disabled" } }));
    expect("reasoningEffort" in disabled.turn).toBe(false);
    expect(disabled.thinking).toBe(false);
    const adaptive = parseMessagesRequest(withFields({ thinking: { type: "adaptive" } }));
    expect("reasoningEffort" in adaptive.turn).toBe(false);
    expect(adaptive.thinking).toBe(true);
    expect(parseMessagesRequest(withFields({ thinking: { type: "adaptive", display: "omitted" } })).thinking).toBe(false);
  });

  it("takes output_config.effort over a thinking budget, and maps a JSON schema format", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const { turn } = parseMessagesRequest(
      withFields({ thinking: { type: "enabled", budget_tokens: 2000 }, output_config: { effort: "max", format: { type: "json_schema", schema } } }),
    );
    expect(turn.reasoningEffort).toBe("max");
    expect(turn.responseFormat).toEqual({ type: "json_schema", name: "response", schema });
  });
});

describe("parseMessagesRequest: 400s name the field", () => {
  it("rejects bodies that are not objects", () => {
    for (const body of [null, [], "text", 3]) expectBadRequest(body, null, "JSON object");
  });

  it("rejects a missing or malformed model and messages", () => {
    expectBadRequest({ messages: base.messages }, "model", "Missing required parameter");
    expectBadRequest(withFields({ model: "" }), "model");
    expectBadRequest({ model: "m" }, "messages", "Missing required parameter");
    expectBadRequest(withFields({ messages: [] }), "messages");
    expectBadRequest(withFields({ messages: "hi" }), "messages");
  });

  it("rejects a bad role, content or block", () => {
    expectBadRequest(withMessages({ role: "tool", content: "x" }), "messages[0].role", "'user' or 'assistant'");
    expectBadRequest(withMessages({ role: "user", content: 3 }), "messages[0].content");
    expectBadRequest(withMessages({ role: "user", content: [{ text: "no type" }] }), "messages[0].content[0].type");
    expectBadRequest(withMessages({ role: "user", content: [{ type: "text" }] }), "messages[0].content[0].text");
    expectBadRequest(withMessages({ role: "user", content: [{ type: "audio", data: "x" }] }), "messages[0].content[0]", "'audio'");
    expectBadRequest(
      withMessages({ role: "user", content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBER" } }] }),
      "messages[0].content[0].source.type",
      "PDF",
    );
  });

  it("rejects blocks in the wrong role", () => {
    expectBadRequest(withMessages({ role: "user", content: [{ type: "tool_use", id: "t", name: "f", input: {} }] }), "messages[0].content[0]", "'tool_use'");
    expectBadRequest(
      withMessages({ role: "assistant", content: [{ type: "tool_result", tool_use_id: "t", content: "x" }] }),
      "messages[0].content[0]",
      "'tool_result'",
    );
    expectBadRequest(withMessages({ role: "assistant", content: [{ type: "image", source: {} }] }), "messages[0].content[0]");
  });

  it("rejects malformed tool_use and tool_result blocks", () => {
    const user = (block: unknown) => withMessages({ role: "user", content: [block] });
    const assistant = (block: unknown) => withMessages({ role: "assistant", content: [block] });
    expectBadRequest(assistant({ type: "tool_use", name: "f", input: {} }), "messages[0].content[0].id");
    expectBadRequest(assistant({ type: "tool_use", id: "t", input: {} }), "messages[0].content[0].name");
    expectBadRequest(assistant({ type: "tool_use", id: "t", name: "f", input: [1] }), "messages[0].content[0].input");
    expectBadRequest(user({ type: "tool_result", content: "x" }), "messages[0].content[0].tool_use_id");
    expectBadRequest(user({ type: "tool_result", tool_use_id: "t", is_error: "yes" }), "messages[0].content[0].is_error");
    expectBadRequest(user({ type: "tool_result", tool_use_id: "t", content: [{ type: "tool_use" }] }), "messages[0].content[0].content[0]");
  });

  it("rejects a non-text system block", () => {
    expectBadRequest(withFields({ system: [{ type: "image", source: {} }] }), "system[0]");
    expectBadRequest(withFields({ system: 3 }), "system");
  });

  it("rejects malformed tools, server tools and unusable tool choices", () => {
    expectBadRequest(withFields({ tools: [{ description: "no name" }] }), "tools[0].name");
    expectBadRequest(withFields({ tools: [{ name: "f", input_schema: "object" }] }), "tools[0].input_schema");
    expectBadRequest(withFields({ tools: [{ type: "web_search_20250305", name: "web_search" }] }), "tools[0].type", "server tools");
    expectBadRequest(withFields({ tool_choice: { type: "sometimes" } }), "tool_choice.type");
    expectBadRequest(withFields({ tool_choice: "auto" }), "tool_choice");
    expectBadRequest(withFields({ tool_choice: { type: "any" } }), "tool_choice.type", "at least one tool");
    expectBadRequest(withFields({ tools: [{ name: "f" }], tool_choice: { type: "tool", name: "g" } }), "tool_choice.name", '"g"');
    expectBadRequest(withFields({ tools: [{ name: "f" }], tool_choice: { type: "tool" } }), "tool_choice.name");
  });

  it("rejects bad numbers and flags", () => {
    expectBadRequest(withFields({ max_tokens: 0 }), "max_tokens");
    expectBadRequest(withFields({ max_tokens: 1.5 }), "max_tokens");
    expectBadRequest(withFields({ max_tokens: "1024" }), "max_tokens");
    expectBadRequest(withFields({ stream: "true" }), "stream");
    expectBadRequest(withFields({ stop_sequences: "STOP" }), "stop_sequences");
    expectBadRequest(withFields({ stop_sequences: ["a", 1] }), "stop_sequences[1]");
  });

  it("rejects unusable thinking and effort settings", () => {
    expectBadRequest(withFields({ thinking: { type: "enabled" } }), "thinking.budget_tokens", "Missing required parameter");
    expectBadRequest(withFields({ thinking: { type: "enabled", budget_tokens: -1 } }), "thinking.budget_tokens");
    expectBadRequest(withFields({ thinking: "on" }), "thinking");
    expectBadRequest(withFields({ output_config: { effort: "extreme" } }), "output_config.effort", "'medium'");
    expectBadRequest(withFields({ output_config: { format: { type: "json_schema" } } }), "output_config.format.schema");
  });
});
