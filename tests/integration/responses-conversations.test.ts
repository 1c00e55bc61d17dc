// Responses conversations through the ledger, as real clients shape them:
// Codex (whole history resent, store:false, reasoning items replayed, a
// developer message), the Vercel AI SDK's `openai(id)` (earlier assistant
// output replayed as `item_reference`), and the request options checked at
// the scripted upstream.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toolLoopResponder, userMessages } from "../support/agent.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
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


type Body = Record<string, any>;

async function respond(body: Body): Promise<{ body: Body; sessionId: string | null }> {
  const response = await gw.post("/v1/responses", body);
  expect(response.status, JSON.stringify(await response.clone().text())).toBe(200);
  return { body: (await response.json()) as Body, sessionId: response.headers.get("x-copilot-session-id") };
}

/** The final `response` of a streamed request. */
async function respondStreamed(body: Body): Promise<{ body: Body; sessionId: string | null }> {
  const response = await gw.post("/v1/responses", { ...body, stream: true });
  const frames = (await response.text()).split("\n\n").filter((frame) => frame.startsWith("event: "));
  const last = JSON.parse(frames.at(-1)!.split("\n")[1]!.slice("data: ".length)) as Body;
  expect(last.type).toBe("response.completed");
  return { body: last.response as Body, sessionId: response.headers.get("x-copilot-session-id") };
}

const LOOKUP = { type: "function", name: "lookup", description: "Looks a step up.", parameters: { type: "object", properties: { step: { type: "number" } }, required: ["step"] } };

describe("Codex-shaped requests", () => {
  it("a streamed tool loop resending the whole history (reasoning items included) is one native session", async () => {
    const base = {
      model: TEST_MODEL,
      instructions: "You are a coding agent.",
      tools: [LOOKUP],
      tool_choice: "auto",
      parallel_tool_calls: false,
      reasoning: { effort: "medium", summary: "auto" },
      store: false,
      include: ["reasoning.encrypted_content"],
      prompt_cache_key: "session-1",
      text: { verbosity: "medium" },
    };
    const responder = toolLoopResponder(2);
    gw.upstream.respond((request, index) => {
      const script = responder(request, index);
      return "steps" in script ? { ...script, steps: [{ reasoning: `thinking ${index}` }, ...script.steps] } : script;
    });
    const input: Body[] = [
      { type: "message", role: "developer", content: [{ type: "input_text", text: "<permissions>workspace-write</permissions>" }] },
      { type: "message", role: "user", content: [{ type: "input_text", text: "start the loop" }] },
    ];
    const sessionIds = new Set<string | null>();
    let final: Body | undefined;
    for (let request = 1; request <= 4 && !final; request++) {
      const { body, sessionId } = await respondStreamed({ ...base, input });
      sessionIds.add(sessionId);
      const calls = body.output.filter((item: Body) => item.type === "function_call");
      if (calls.length === 0) final = body;
      // Codex keeps every output item (reasoning too) and appends the results.
      input.push(...body.output, ...calls.map((call: Body) => ({ type: "function_call_output", call_id: call.call_id, output: `result ${call.call_id}` })));
    }
    expect(final?.output.at(-1).content[0].text).toBe("done after 2 tools for start the loop");
    // Reasoning was asked for (summary: auto), so it came as reasoning items.
    expect(final?.output[0]).toMatchObject({ type: "reasoning", summary: [{ type: "summary_text", text: "thinking 2" }] });
    expect(sessionIds.size).toBe(1);
    const calls = gw.upstream.calls.map((call) => call.request);
    expect(calls).toHaveLength(3);
    for (const request of calls) expect(userMessages(request)).toBe(1);
    const tools = calls.at(-1)!.messages.filter((m) => m.role === "tool");
    expect(tools.map((m) => [m.tool_call_id, m.content])).toEqual([
      ["call_1", "result call_1"],
      ["call_2", "result call_2"],
    ]);
    // The developer message and the instructions reached the model as its system message.
    const system = JSON.stringify(calls[0]!.messages.find((m) => m.role === "system")?.content);
    expect(system).toContain("You are a coding agent.");
    expect(system).toContain("workspace-write");
  });
});

describe("Codex's freeform apply_patch (a custom tool)", () => {
  it("is offered as a function taking `input`, comes back as a custom_tool_call, and its output continues the session", async () => {
    const patch = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch";
    const applyPatch = { type: "custom", name: "apply_patch", description: "Use the `apply_patch` tool to edit files.", format: { type: "grammar", syntax: "lark", definition: 'start: "*** Begin Patch"' } };
    gw.upstream.respondInOrder({ steps: [{ toolCall: { id: "call_p", name: "apply_patch", arguments: JSON.stringify({ input: patch }), chunks: 4 } }] }, { steps: [{ text: "patched" }] });
    const input: Body[] = [{ type: "message", role: "user", content: [{ type: "input_text", text: "add a.txt" }] }];
    const first = await respondStreamed({ model: TEST_MODEL, input, tools: [applyPatch], store: false });
    expect(first.body.output).toEqual([expect.objectContaining({ type: "custom_tool_call", call_id: "call_p", name: "apply_patch", input: patch, status: "completed" })]);
    const offered = gw.upstream.calls[0]!.request.tools!.find((tool) => tool.function.name === "apply_patch")!;
    expect(offered.function.parameters).toMatchObject({ properties: { input: { type: "string" } }, required: ["input"] });
    expect(offered.function.description).toContain('start: "*** Begin Patch"');

    input.push(...first.body.output, { type: "custom_tool_call_output", call_id: "call_p", output: "Success. Updated the following files:\nA a.txt" });
    const second = await respondStreamed({ model: TEST_MODEL, input, tools: [applyPatch], store: false });
    expect(second.body.output[0].content[0].text).toBe("patched");
    expect(second.sessionId).toBe(first.sessionId);
    const sent = gw.upstream.calls[1]!.request;
    expect(userMessages(sent)).toBe(1);
    expect(sent.messages.find((m) => m.role === "tool")).toMatchObject({ tool_call_id: "call_p", content: "Success. Updated the following files:\nA a.txt" });
  });
});

describe("Vercel-shaped requests", () => {
  it("earlier assistant output replayed as item_reference resolves to the stored item and continues the session", async () => {
    const first = await respond({ model: TEST_MODEL, input: [{ role: "user", content: [{ type: "input_text", text: "first question" }] }] });
    const messageId = first.body.output[0].id as string;
    expect(messageId).toMatch(/^msg_/);
    const second = await respond({
      model: TEST_MODEL,
      input: [
        { role: "user", content: [{ type: "input_text", text: "first question" }] },
        { type: "item_reference", id: messageId },
        { role: "user", content: [{ type: "input_text", text: "second question" }] },
      ],
    });
    expect(second.body.output[0].content[0].text).toBe("echo: second question");
    expect(second.sessionId).toBe(first.sessionId);
    const sent = gw.upstream.calls[1]!.request.messages.filter((m) => m.role !== "system");
    expect(sent.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(sent[1]!.content).toBe("echo: first question");
  });

  it("previous_response_id after a streamed tool call answers the pending call natively", async () => {
    gw.upstream.respondInOrder({ steps: [{ toolCall: { id: "call_v", name: "lookup", arguments: '{"step":1}' } }] }, { steps: [{ text: "looked up" }] });
    const first = await respondStreamed({ model: TEST_MODEL, input: "look it up", tools: [LOOKUP] });
    expect(first.body.output[0]).toMatchObject({ type: "function_call", call_id: "call_v" });
    const second = await respond({
      model: TEST_MODEL,
      tools: [LOOKUP],
      previous_response_id: first.body.id,
      input: [{ type: "function_call_output", call_id: "call_v", output: "found" }],
    });
    expect(second.body.output[0].content[0].text).toBe("looked up");
    expect(second.sessionId).toBe(first.sessionId);
    const sent = gw.upstream.calls[1]!.request;
    expect(userMessages(sent)).toBe(1);
    expect(sent.messages.find((m) => m.role === "tool")).toMatchObject({ tool_call_id: "call_v", content: "found" });
  });
});

describe("options at the upstream", () => {
  it("passes a data-URL input_image to the model as an image part", async () => {
    await respond({
      model: TEST_MODEL,
      input: [{ role: "user", content: [{ type: "input_text", text: "what is this?" }, { type: "input_image", image_url: `data:image/png;base64,${PNG}`, detail: "low" }] }],
    });
    const parts = gw.upstream.calls[0]!.request.messages.at(-1)!.content as Array<{ type: string; image_url?: { url: string } }>;
    expect(parts.some((p) => p.type === "image_url" && p.image_url?.url === `data:image/png;base64,${PNG}`)).toBe(true);
  });

  it("passes text.format json_schema upstream and checks the answer against it", async () => {
    const schema = { type: "object", properties: { answer: { type: "number" } }, required: ["answer"] };
    gw.upstream.respondInOrder({ steps: [{ text: '{"answer":4}' }] });
    const { body } = await respond({ model: TEST_MODEL, input: "2+2?", text: { format: { type: "json_schema", name: "math", schema, strict: true } } });
    expect(JSON.parse(body.output[0].content[0].text)).toEqual({ answer: 4 });
    expect(body.text).toEqual({ format: { type: "json_schema", name: "math", schema, strict: true } });
    expect(gw.upstream.calls[0]!.request.response_format).toEqual({ type: "json_schema", json_schema: { name: "math", schema, strict: true } });

    gw.upstream.respondInOrder({ steps: [{ text: '{"answer":"four"}' }] });
    const invalid = await gw.post("/v1/responses", { model: TEST_MODEL, input: "2+2?", text: { format: { type: "json_schema", name: "math", schema } } });
    expect(invalid.status).toBe(502);
    expect(((await invalid.json()) as { error: { code: string } }).error.code).toBe("invalid_structured_output");

    const badSchema = await gw.post("/v1/responses", { model: TEST_MODEL, input: "x", text: { format: { type: "json_schema", name: "s", schema: { type: "no-such-type" } } } });
    expect(badSchema.status).toBe(400);
    expect(((await badSchema.json()) as { error: { param: string } }).error.param).toBe("text.format.schema");
  });

  it("offers only the named function for tool_choice {type:function, name}, and none for 'none'", async () => {
    const other = { ...LOOKUP, name: "other" };
    gw.upstream.respondInOrder({ steps: [{ toolCall: { id: "call_o", name: "other", arguments: "{}" } }] });
    const named = await respond({ model: TEST_MODEL, input: "x", tools: [LOOKUP, other], tool_choice: { type: "function", name: "other" } });
    expect(named.body.output[0]).toMatchObject({ type: "function_call", name: "other" });
    expect(named.body.tool_choice).toEqual({ type: "function", name: "other" });
    expect(gw.upstream.calls[0]!.request.tools?.map((t) => t.function.name)).toEqual(["other"]);
    await respond({ model: TEST_MODEL, input: "y", tools: [LOOKUP, other], tool_choice: "none" });
    expect(gw.upstream.calls[1]!.request.tools ?? []).toEqual([]);
    expect(contentText(gw.upstream.calls[1]!.request.messages.at(-1)!.content)).toContain("y");
  });
});
