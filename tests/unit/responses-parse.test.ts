import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/core/gateway-error.js";
import { chainTurn, parseResponsesRequest } from "../../src/dialects/responses/parse.js";

const PNG = "data:image/png;base64,iVBORw0KGgo=";

function rejection(body: unknown, options?: Parameters<typeof parseResponsesRequest>[1]): GatewayError {
  try {
    parseResponsesRequest(body, options);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected the request to be rejected");
}

const weather = { type: "function", name: "get_weather", description: "Weather.", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: true };

describe("parseResponsesRequest: input", () => {
  it("a string input is one user message; instructions become the system message in front", () => {
    const parsed = parseResponsesRequest({ model: "m", input: "hi", instructions: "Be brief." });
    expect(parsed.turn.messages).toEqual([
      { role: "system", text: "Be brief." },
      { role: "user", content: [{ type: "text", text: "hi" }] },
    ]);
    expect(parsed.input).toEqual([{ role: "user", content: [{ type: "text", text: "hi" }] }]);
    expect(parsed).toMatchObject({ stream: false, store: true, reasoningSummary: false });
    expect(parsed.previousResponseId).toBeUndefined();
    expect(parsed.turn).toMatchObject({ model: "m", tools: [], toolChoice: "auto", parallelToolCalls: true, stop: [] });
  });

  it("maps message items of every role, with or without `type`, and string or part content", () => {
    const parsed = parseResponsesRequest({
      model: "m",
      input: [
        { role: "developer", content: "dev rules" },
        { type: "message", role: "system", content: [{ type: "input_text", text: "sys" }] },
        { role: "user", content: [{ type: "input_text", text: "look" }, { type: "input_image", image_url: PNG, detail: "low" }] },
        { type: "message", role: "assistant", id: "msg_x", status: "completed", content: [{ type: "output_text", text: "seen", annotations: [] }] },
        { role: "user", content: [{ type: "text", text: "plain text part" }] },
      ],
    });
    expect(parsed.turn.messages).toEqual([
      { role: "system", text: "dev rules" },
      { role: "system", text: "sys" },
      { role: "user", content: [{ type: "text", text: "look" }, { type: "image", mimeType: "image/png", data: "iVBORw0KGgo=" }] },
      { role: "assistant", text: "seen", toolCalls: [] },
      { role: "user", content: [{ type: "text", text: "plain text part" }] },
    ]);
  });

  it("joins function_call items to the assistant message before them (reasoning summaries kept as its reasoning), and maps outputs to tool messages", () => {
    const parsed = parseResponsesRequest({
      model: "m",
      input: [
        { role: "user", content: "weather in Paris and the time?" },
        { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "opaque" },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Checking." }] },
        { type: "function_call", id: "fc_1", call_id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' },
        { type: "reasoning", id: "rs_2", summary: [{ type: "summary_text", text: "also time" }] },
        { type: "function_call", call_id: "call_b", name: "now", arguments: { tz: "CET" } },
        { type: "function_call_output", call_id: "call_a", output: "sunny" },
        { type: "function_call_output", call_id: "call_b", output: [{ type: "input_text", text: "12:" }, { type: "input_text", text: "00" }] },
      ],
    });
    expect(parsed.input).toEqual([
      { role: "user", content: [{ type: "text", text: "weather in Paris and the time?" }] },
      {
        role: "assistant",
        text: "Checking.",
        toolCalls: [
          { id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' },
          { id: "call_b", name: "now", arguments: '{"tz":"CET"}' },
        ],
        reasoning: "also time",
      },
      { role: "tool", toolCallId: "call_a", text: "sunny" },
      { role: "tool", toolCallId: "call_b", text: "12:00" },
    ]);
  });

  it("a function_call with no assistant message before it starts one; missing arguments become {}", () => {
    const parsed = parseResponsesRequest({ model: "m", input: [{ role: "user", content: "go" }, { type: "function_call", call_id: "c1", name: "f" }] });
    expect(parsed.input.at(-1)).toEqual({ role: "assistant", text: "", toolCalls: [{ id: "c1", name: "f", arguments: "{}" }] });
  });

  it("resolves item_reference items through the resolver, and answers an unknown one with OpenAI's 404", () => {
    const resolveItem = (id: string) =>
      id === "msg_1" ? { id: "msg_1", type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: "earlier", annotations: [] }] } : undefined;
    const parsed = parseResponsesRequest(
      { model: "m", input: [{ role: "user", content: "q" }, { type: "item_reference", id: "msg_1" }, { role: "user", content: "q2" }] },
      { resolveItem },
    );
    expect(parsed.input[1]).toEqual({ role: "assistant", text: "earlier", toolCalls: [] });
    const error = rejection({ model: "m", input: [{ type: "item_reference", id: "msg_gone" }] }, { resolveItem });
    expect(error).toMatchObject({ status: 404, param: "input[0]", code: "item_not_found" });
    expect(error.message).toContain("msg_gone");
  });

  it("ignores what it does not use: include, prompt_cache_key, text.verbosity, service_tier, metadata, user, truncation…", () => {
    const parsed = parseResponsesRequest({
      model: "m",
      input: [{ role: "user", content: "x", cache_control: { type: "ephemeral" } }],
      include: ["reasoning.encrypted_content"],
      prompt_cache_key: "k",
      service_tier: "auto",
      safety_identifier: "s",
      text: { verbosity: "low" },
      reasoning: { summary: "auto" },
      metadata: { a: "b" },
      user: "u",
      truncation: "auto",
      temperature: 0.2,
      top_p: 0.9,
      store: false,
      stream: true,
      background: false,
      parallel_tool_calls: false,
      stream_options: { include_obfuscation: false },
    });
    expect(parsed).toMatchObject({ stream: true, store: false, reasoningSummary: true });
    expect(parsed.turn.parallelToolCalls).toBe(false);
    expect(parsed.echo).toMatchObject({ metadata: { a: "b" }, user: "u", truncation: "auto", temperature: 0.2, top_p: 0.9, store: false, parallel_tool_calls: false, reasoning: { effort: null, summary: "auto" } });
  });
});

describe("parseResponsesRequest: options", () => {
  it("maps function tools (and the chat form), tool_choice and echoes both", () => {
    const parsed = parseResponsesRequest({
      model: "m",
      input: "x",
      tools: [weather, { type: "function", function: { name: "now" } }],
      tool_choice: { type: "function", name: "now" },
    });
    expect(parsed.turn.tools).toEqual([
      { name: "get_weather", description: "Weather.", parameters: weather.parameters },
      { name: "now" },
    ]);
    expect(parsed.turn.toolChoice).toEqual({ name: "now" });
    expect(parsed.echo.tools).toEqual([
      { type: "function", name: "get_weather", description: "Weather.", parameters: weather.parameters, strict: true },
      { type: "function", name: "now", description: null, parameters: null, strict: null },
    ]);
    expect(parsed.echo.tool_choice).toEqual({ type: "function", name: "now" });
    for (const choice of ["auto", "none", "required"] as const) {
      expect(parseResponsesRequest({ model: "m", input: "x", tools: [weather], tool_choice: choice }).turn.toolChoice).toBe(choice);
    }
  });

  it("offers a custom (freeform) tool as a function taking one `input` string, grammar in the description", () => {
    const applyPatch = { type: "custom", name: "apply_patch", description: "Edit files. FREEFORM.", format: { type: "grammar", syntax: "lark", definition: "start: begin_patch" } };
    const parsed = parseResponsesRequest({ model: "m", input: "x", tools: [applyPatch], tool_choice: { type: "custom", name: "apply_patch" } });
    expect(parsed.toolRoutes.route("apply_patch")).toEqual({ name: "apply_patch", kind: "custom" });
    const [definition] = parsed.turn.tools;
    expect(definition).toMatchObject({ name: "apply_patch", parameters: { type: "object", properties: { input: { type: "string" } }, required: ["input"] } });
    expect(definition!.description).toContain("Edit files. FREEFORM.");
    expect(definition!.description).toContain("start: begin_patch");
    expect(parsed.turn.toolChoice).toEqual({ name: "apply_patch" });
    expect(parsed.echo.tools).toEqual([applyPatch]);
    expect(parsed.echo.tool_choice).toEqual({ type: "custom", name: "apply_patch" });
  });

  it("replays custom_tool_call items as calls of that function, and their outputs as tool messages", () => {
    const parsed = parseResponsesRequest({
      model: "m",
      input: [
        { role: "user", content: "patch it" },
        { type: "custom_tool_call", id: "ctc_1", call_id: "call_p", name: "apply_patch", input: "*** Begin Patch\n*** End Patch" },
        { type: "custom_tool_call_output", call_id: "call_p", output: "Done!" },
      ],
    });
    expect(parsed.input.slice(1)).toEqual([
      { role: "assistant", text: "", toolCalls: [{ id: "call_p", name: "apply_patch", arguments: JSON.stringify({ input: "*** Begin Patch\n*** End Patch" }) }] },
      { role: "tool", toolCallId: "call_p", text: "Done!" },
    ]);
  });

  describe("namespace tools (Codex: multi_agent_v1, MCP servers)", () => {
    const multiAgent = {
      type: "namespace",
      name: "multi_agent_v1",
      description: "Sub-agents.",
      tools: [
        { type: "function", name: "spawn_agent", description: "Start one.", parameters: { type: "object", properties: { task: { type: "string" } } }, strict: false },
        { type: "function", name: "wait", parameters: { type: "object", properties: {} } },
      ],
    };
    const mcp = { type: "namespace", name: "mcp_files", description: "Files.", tools: [{ type: "function", name: "wait", parameters: null }, { type: "custom", name: "patch" }] };

    it("offers each member under <namespace>__<name>, unique across namespaces and top-level tools, and echoes the namespaces", () => {
      const clash = { type: "function", name: "multi_agent_v1__wait", parameters: { type: "object", properties: {} } };
      const parsed = parseResponsesRequest({ model: "m", input: "x", tools: [multiAgent, clash, mcp] });
      expect(parsed.turn.tools.map((tool) => tool.name)).toEqual(["multi_agent_v1__wait", "multi_agent_v1__spawn_agent", "multi_agent_v1__wait_2", "mcp_files__wait", "mcp_files__patch"]);
      expect(parsed.turn.tools[1]!.description).toBe("(In the 'multi_agent_v1' namespace.) Start one.");
      expect(parsed.toolRoutes.route("multi_agent_v1__wait_2")).toEqual({ name: "wait", namespace: "multi_agent_v1", kind: "function" });
      expect(parsed.toolRoutes.route("multi_agent_v1__wait")).toEqual({ name: "multi_agent_v1__wait", kind: "function" });
      expect(parsed.toolRoutes.route("mcp_files__patch")).toEqual({ name: "patch", namespace: "mcp_files", kind: "custom" });
      expect(parsed.echo.tools[1]).toEqual({
        type: "namespace",
        name: "multi_agent_v1",
        description: "Sub-agents.",
        tools: [
          { type: "function", name: "spawn_agent", description: "Start one.", parameters: multiAgent.tools[0]!.parameters, strict: false },
          { type: "function", name: "wait", description: null, parameters: { type: "object", properties: {} }, strict: null },
        ],
      });
    });

    it("replays function_call items that carry a namespace as calls of the offered name", () => {
      const parsed = parseResponsesRequest({
        model: "m",
        tools: [multiAgent, mcp],
        input: [
          { role: "user", content: "go" },
          { type: "function_call", call_id: "c1", namespace: "multi_agent_v1", name: "wait", arguments: "{}" },
          { type: "custom_tool_call", call_id: "c2", namespace: "mcp_files", name: "patch", input: "diff" },
          { type: "function_call", call_id: "c3", namespace: "gone_now", name: "old", arguments: "{}" },
          { type: "function_call_output", call_id: "c1", output: "ok" },
        ],
      });
      expect(parsed.input[1]).toMatchObject({
        role: "assistant",
        toolCalls: [
          { id: "c1", name: "multi_agent_v1__wait" },
          { id: "c2", name: "mcp_files__patch", arguments: JSON.stringify({ input: "diff" }) },
          { id: "c3", name: "gone_now__old" },
        ],
      });
    });

    it("rejects a namespace member that is not a function or custom tool, and an empty namespace", () => {
      const bad = { ...mcp, tools: [{ type: "web_search" }] };
      expect(rejection({ model: "m", input: "x", tools: [bad] })).toMatchObject({ status: 400, param: "tools[0].tools[0].type", code: "unsupported_value" });
      expect(rejection({ model: "m", input: "x", tools: [{ ...mcp, tools: [] }] })).toMatchObject({ status: 400, param: "tools[0].tools" });
    });
  });

  describe("a client-executed tool_search (Codex, for models in its catalog)", () => {
    const search = {
      type: "tool_search",
      execution: "client",
      description: "Searches deferred tools.",
      parameters: { type: "object", properties: { query: { type: "string" }, limit: { type: "number" } }, required: ["query"] },
    };
    const mcpFiles = { type: "namespace", name: "mcp_files", description: "Files.", tools: [{ type: "function", name: "read", parameters: { type: "object", properties: {} } }] };

    it("is offered as a function named tool_search with the client's description and parameters, and echoed", () => {
      const parsed = parseResponsesRequest({ model: "m", input: "x", tools: [search] });
      expect(parsed.turn.tools).toEqual([{ name: "tool_search", description: "Searches deferred tools.", parameters: search.parameters }]);
      expect(parsed.toolRoutes.route("tool_search")).toEqual({ name: "tool_search", kind: "tool_search" });
      expect(parsed.echo.tools).toEqual([{ type: "tool_search", execution: "client", description: "Searches deferred tools.", parameters: search.parameters }]);
    });

    it("replays the search and its output, and offers the tools the search loaded", () => {
      const parsed = parseResponsesRequest({
        model: "m",
        tools: [search],
        input: [
          { role: "user", content: "read the file" },
          { type: "tool_search_call", call_id: "ts_1", execution: "client", arguments: { query: "files" } },
          { type: "tool_search_output", call_id: "ts_1", execution: "client", tools: [mcpFiles] },
          { type: "function_call", call_id: "c_1", namespace: "mcp_files", name: "read", arguments: "{}" },
          { type: "function_call_output", call_id: "c_1", output: "contents" },
        ],
      });
      expect(parsed.turn.tools.map((tool) => tool.name)).toEqual(["tool_search", "mcp_files__read"]);
      expect(parsed.input.slice(1)).toEqual([
        { role: "assistant", text: "", toolCalls: [{ id: "ts_1", name: "tool_search", arguments: '{"query":"files"}' }] },
        { role: "tool", toolCallId: "ts_1", text: "Tools now available: mcp_files__read." },
        { role: "assistant", text: "", toolCalls: [{ id: "c_1", name: "mcp_files__read", arguments: "{}" }] },
        { role: "tool", toolCallId: "c_1", text: "contents" },
      ]);
      // The request's own tools are what the response echoes.
      expect(parsed.echo.tools.map((tool) => tool.type)).toEqual(["tool_search"]);
    });

    it("refuses a search OpenAI would run on its side", () => {
      expect(rejection({ model: "m", input: "x", tools: [{ type: "tool_search" }] })).toMatchObject({ status: 400, param: "tools[0].type", code: "unsupported_value" });
    });
  });

  it("maps reasoning.effort like the chat dialect (minimal and none → low)", () => {
    const effort = (value: string) => parseResponsesRequest({ model: "m", input: "x", reasoning: { effort: value } }).turn.reasoningEffort;
    expect(effort("minimal")).toBe("low");
    expect(effort("none")).toBe("low");
    expect(effort("medium")).toBe("medium");
    expect(effort("xhigh")).toBe("xhigh");
    expect(rejection({ model: "m", input: "x", reasoning: { effort: "extreme" } })).toMatchObject({ status: 400, param: "reasoning.effort", code: "unsupported_value" });
  });

  it("maps max_output_tokens, text.format and previous_response_id", () => {
    const parsed = parseResponsesRequest({
      model: "m",
      input: "x",
      max_output_tokens: 64,
      previous_response_id: "resp_1",
      text: { format: { type: "json_schema", name: "point", schema: { type: "object" }, strict: true } },
    });
    expect(parsed.turn.maxOutputTokens).toBe(64);
    expect(parsed.previousResponseId).toBe("resp_1");
    expect(parsed.turn.responseFormat).toEqual({ type: "json_schema", name: "point", schema: { type: "object" }, strict: true });
    expect(parsed.echo.text).toEqual({ format: { type: "json_schema", name: "point", schema: { type: "object" }, strict: true } });
    expect(parseResponsesRequest({ model: "m", input: "x", text: { format: { type: "json_object" } } }).turn.responseFormat).toEqual({ type: "json_object" });
    expect(parseResponsesRequest({ model: "m", input: "x", text: { format: { type: "text" } } }).turn.responseFormat).toBeUndefined();
  });

  it("chainTurn puts the earlier conversation between the instructions and the new input", () => {
    const parsed = parseResponsesRequest({ model: "m", input: "second", instructions: "rules", previous_response_id: "resp_1" });
    const turn = chainTurn(parsed, [
      { role: "user", content: [{ type: "text", text: "first" }] },
      { role: "assistant", text: "answer", toolCalls: [] },
    ]);
    expect(turn.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(turn.messages[3]).toEqual({ role: "user", content: [{ type: "text", text: "second" }] });
  });
});

describe("parseResponsesRequest: 400s", () => {
  it.each([
    ["web_search", { type: "web_search" }],
    ["web_search_preview", { type: "web_search_preview" }],
    ["file_search", { type: "file_search", vector_store_ids: ["vs_1"] }],
    ["computer_use_preview", { type: "computer_use_preview", display_width: 1, display_height: 1, environment: "linux" }],
    ["code_interpreter", { type: "code_interpreter", container: { type: "auto" } }],
    ["image_generation", { type: "image_generation" }],
    ["local_shell", { type: "local_shell" }],
    ["shell", { type: "shell" }],
    ["apply_patch", { type: "apply_patch" }],
  ])("rejects the hosted tool %s with param tools[i].type", (type, tool) => {
    const error = rejection({ model: "m", input: "x", tools: [weather, tool] });
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", param: "tools[1].type", code: "unsupported_value" });
    expect(error.message).toContain(`'${type}'`);
  });

  it("reads an mcp tool as a requested server, asking approval by default, and echoes it without headers", () => {
    const parsed = parseResponsesRequest({
      model: "m",
      input: "x",
      tools: [weather, { type: "mcp", server_label: "logs", server_url: "https://mcp.internal/", authorization: "tok", headers: { "X-Team": "a" }, allowed_tools: { tool_names: ["search"] } }],
    });
    expect(parsed.turn.servers).toEqual([
      {
        param: "tools[1]",
        labelField: "server_label",
        urlField: "server_url",
        label: "logs",
        url: "https://mcp.internal/",
        headers: { "X-Team": "a", Authorization: "Bearer tok" },
        allowedTools: ["search"],
        approval: { default: "always", always: [], never: [] },
        listed: false,
      },
    ]);
    expect(parsed.turn.tools.map((tool) => tool.name)).toEqual(["get_weather"]);
    expect(parsed.echo.tools[1]).toEqual({ type: "mcp", server_label: "logs", server_url: "https://mcp.internal/", allowed_tools: ["search"], require_approval: "always", headers: null });
  });

  it.each([
    [{ type: "mcp", server_label: "a b" }, "tools[0].server_label"],
    [{ type: "mcp", server_label: "x", connector_id: "connector_gmail" }, "tools[0].connector_id"],
    [{ type: "mcp", server_label: "x", require_approval: "sometimes" }, "tools[0].require_approval"],
    [{ type: "mcp" }, "tools[0].server_label"],
  ])("rejects a malformed mcp tool %j naming %s", (tool, param) => {
    expect(rejection({ model: "m", input: "x", tools: [tool] })).toMatchObject({ status: 400, param });
  });

  it("rejects two mcp tools with one label", () => {
    const tool = { type: "mcp", server_label: "x" };
    expect(rejection({ model: "m", input: "x", tools: [tool, tool] })).toMatchObject({ status: 400, param: "tools[1].server_label" });
  });

  it("reads approval items: the request joins the assistant turn, the response is the client's decision", () => {
    const parsed = parseResponsesRequest({
      model: "m",
      input: [
        { role: "user", content: "go" },
        { type: "mcp_list_tools", id: "mcpl_1", server_label: "logs", tools: [] },
        { type: "mcp_approval_request", id: "mcpr_1", server_label: "logs", name: "search", arguments: '{"q":1}' },
        { type: "mcp_approval_response", approval_request_id: "mcpr_1", approve: true },
      ],
    });
    expect(parsed.turn.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "go" }] },
      { role: "assistant", text: "", toolCalls: [], approvals: [{ id: "mcpr_1", server: "logs", tool: "search", arguments: '{"q":1}' }] },
      { role: "approval", requestId: "mcpr_1", approve: true },
    ]);
  });

  it("tells Codex users how to turn its web_search tool off", () => {
    expect(rejection({ model: "m", input: "x", tools: [{ type: "web_search" }] }).message).toContain('web_search = "disabled"');
  });

  it("rejects background mode, stored conversations and prompt templates", () => {
    expect(rejection({ model: "m", input: "x", background: true })).toMatchObject({ status: 400, param: "background", code: "unsupported_value" });
    expect(rejection({ model: "m", input: "x", conversation: "conv_1" })).toMatchObject({ status: 400, param: "conversation" });
    expect(rejection({ model: "m", input: "x", prompt: { id: "pmpt_1" } })).toMatchObject({ status: 400, param: "prompt" });
  });

  it("rejects bad items by their path", () => {
    expect(rejection({ model: "m", input: [{ type: "function_call", name: "f", arguments: "{}" }] })).toMatchObject({ param: "input[0].call_id", code: "missing_required_parameter" });
    expect(rejection({ model: "m", input: [{ type: "function_call_output", call_id: "c" }] })).toMatchObject({ param: "input[0].output", code: "missing_required_parameter" });
    expect(rejection({ model: "m", input: ["hi"] })).toMatchObject({ param: "input[0]", code: "invalid_type" });
    expect(rejection({ model: "m", input: [{ role: "tool", content: "x" }] })).toMatchObject({ param: "input[0].role", code: "invalid_value" });
    expect(rejection({ model: "m", input: [{ type: "computer_call_output", call_id: "c", output: {} }] })).toMatchObject({ param: "input[0].type", code: "unsupported_value" });
    expect(rejection({ model: "m", input: [{ type: "local_shell_call", call_id: "c" }] })).toMatchObject({ param: "input[0].type", code: "unsupported_value" });
  });

  it("rejects remote and file_id images, asking for a data URL; non-text parts where only text fits", () => {
    const remote = rejection({ model: "m", input: [{ role: "user", content: [{ type: "input_text", text: "x" }, { type: "input_image", image_url: "https://example.com/a.png" }] }] });
    expect(remote).toMatchObject({ status: 400, param: "input[0].content[1]", code: "unsupported_value" });
    expect(remote.message).toContain("data:image/png;base64");
    expect(rejection({ model: "m", input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1" }] }] })).toMatchObject({ param: "input[0].content[0]", code: "unsupported_value" });
    expect(rejection({ model: "m", input: [{ role: "user", content: [{ type: "input_image", image_url: "data:text/plain;base64,AAAA" }] }] })).toMatchObject({ code: "invalid_image_url" });
    expect(rejection({ model: "m", input: [{ role: "user", content: [{ type: "input_file", file_data: "x" }] }] })).toMatchObject({ param: "input[0].content[0]", code: "unsupported_value" });
    expect(rejection({ model: "m", input: [{ role: "system", content: [{ type: "input_image", image_url: PNG }] }] })).toMatchObject({ param: "input[0].content[0]", code: "unsupported_value" });
    expect(rejection({ model: "m", input: [{ type: "function_call_output", call_id: "c", output: [{ type: "input_image", image_url: PNG }] }] })).toMatchObject({ param: "input[0].output[0]", code: "unsupported_value" });
  });

  it("rejects tool choices it cannot honour", () => {
    expect(rejection({ model: "m", input: "x", tool_choice: "required" })).toMatchObject({ param: "tool_choice", code: "invalid_value" });
    expect(rejection({ model: "m", input: "x", tool_choice: "sometimes" })).toMatchObject({ param: "tool_choice", code: "invalid_value" });
    expect(rejection({ model: "m", input: "x", tools: [weather], tool_choice: { type: "function", name: "other" } })).toMatchObject({ param: "tool_choice.name", code: "invalid_value" });
    expect(rejection({ model: "m", input: "x", tools: [weather], tool_choice: { type: "web_search_preview" } })).toMatchObject({ param: "tool_choice.type", code: "unsupported_value" });
    expect(rejection({ model: "m", input: "x", tools: [weather], tool_choice: { type: "allowed_tools", mode: "auto", tools: [] } })).toMatchObject({ param: "tool_choice.type" });
  });

  it("rejects malformed basics with OpenAI-style params", () => {
    expect(rejection(null)).toMatchObject({ status: 400, param: null });
    expect(rejection({ input: "x" })).toMatchObject({ param: "model", code: "missing_required_parameter" });
    expect(rejection({ model: "m" })).toMatchObject({ param: "input", code: "missing_required_parameter" });
    expect(rejection({ model: "m", input: 3 })).toMatchObject({ status: 400, param: "input" });
    expect(rejection({ model: "m", input: [] })).toMatchObject({ status: 400, param: "input" });
    expect(rejection({ model: "m", input: "x", max_output_tokens: 0 })).toMatchObject({ param: "max_output_tokens" });
    expect(rejection({ model: "m", input: "x", temperature: 3 })).toMatchObject({ param: "temperature" });
    expect(rejection({ model: "m", input: "x", tools: [{ type: "function" }] })).toMatchObject({ param: "tools[0].name", code: "missing_required_parameter" });
    expect(rejection({ model: "m", input: "x", text: { format: { type: "json_schema", name: "x" } } })).toMatchObject({ param: "text.format.schema" });
  });
});
