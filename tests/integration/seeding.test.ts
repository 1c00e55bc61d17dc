// Every conversation native: a history the gateway holds no session for is
// seeded as the new session's own history, in every dialect, and reaches the
// (strict, OpenAI-like) scripted model as native messages in order.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { contentText, type UpstreamMessage } from "../support/upstream.js";

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
const DATETIME = /^<current_datetime>[\s\S]*?<\/current_datetime>\s*/;

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});
beforeEach(async () => {
  gw.upstream.reset();
  // Each test starts with a gateway that holds no conversation (the dialects share one here).
  await gw.turns.ledger.closeAll();
});

/** What the model was shown, message by message, in a form the three dialects can be compared in. */
function shown(messages: UpstreamMessage[]) {
  return messages.map((message) => {
    const parts = Array.isArray(message.content) ? (message.content as Array<{ type: string }>) : [];
    return {
      role: message.role,
      text: contentText(message.content).replace(DATETIME, ""),
      ...(parts.some((part) => part.type === "image_url") ? { images: parts.filter((part) => part.type === "image_url").length } : {}),
      ...(message.tool_calls ? { calls: message.tool_calls.map((call) => `${call.id}:${call.function.name}:${call.function.arguments}`) } : {}),
      ...(message.tool_call_id ? { answers: message.tool_call_id } : {}),
      ...((message as { reasoning_content?: string }).reasoning_content ? { reasoning: (message as { reasoning_content?: string }).reasoning_content } : {}),
    };
  });
}

/** The same rich history in the model's view: text, an image, two parallel calls, reasoning, then an answer and a new question. */
const RICH_HISTORY_SHOWN = [
  { role: "system", text: "Be terse." },
  { role: "user", text: "what is in the picture?Attached image", images: 1 },
  { role: "assistant", text: "Checking.", calls: ['call_a:inspect:{"region":"top"}', 'call_b:inspect:{"region":"bottom"}'], reasoning: "two regions" },
  { role: "tool", text: "a cat", answers: "call_a" },
  { role: "tool", text: "TOOL_B_RESULT", answers: "call_b" },
  { role: "assistant", text: "A cat, top half." },
  { role: "user", text: "and the bottom?" },
];

const INSPECT_PARAMETERS = { type: "object", properties: { region: { type: "string" } } };

const dialects = {
  chat: {
    path: "/v1/chat/completions",
    toolError: "TOOL_B_RESULT",
    rich: (final: string | undefined) => ({
      model: TEST_MODEL,
      tools: [{ type: "function", function: { name: "inspect", parameters: INSPECT_PARAMETERS } }],
      messages: [
        { role: "system", content: "Be terse." },
        {
          role: "user",
          content: [
            { type: "text", text: "what is in the picture?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
          ],
        },
        {
          role: "assistant",
          content: "Checking.",
          reasoning_content: "two regions",
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "inspect", arguments: '{"region":"top"}' } },
            { id: "call_b", type: "function", function: { name: "inspect", arguments: '{"region":"bottom"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_a", content: "a cat" },
        { role: "tool", tool_call_id: "call_b", content: "TOOL_B_RESULT" },
        ...(final === undefined ? [] : [{ role: "assistant", content: "A cat, top half." }, { role: "user", content: final }]),
      ],
    }),
  },
  messages: {
    path: "/v1/messages",
    // Anthropic's is_error reaches the model as a failed call.
    toolError: "[tool error] TOOL_B_RESULT",
    rich: (final: string | undefined) => ({
      model: TEST_MODEL,
      max_tokens: 1024,
      system: "Be terse.",
      tools: [{ name: "inspect", input_schema: INSPECT_PARAMETERS }],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is in the picture?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "two regions", signature: "sig" },
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "call_a", name: "inspect", input: { region: "top" } },
            { type: "tool_use", id: "call_b", name: "inspect", input: { region: "bottom" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "call_a", content: "a cat" },
            { type: "tool_result", tool_use_id: "call_b", content: "TOOL_B_RESULT", is_error: true },
          ],
        },
        ...(final === undefined ? [] : [{ role: "assistant", content: "A cat, top half." }, { role: "user", content: final }]),
      ],
    }),
  },
  responses: {
    path: "/v1/responses",
    toolError: "TOOL_B_RESULT",
    rich: (final: string | undefined) => ({
      model: TEST_MODEL,
      store: false,
      instructions: "Be terse.",
      tools: [{ type: "function", name: "inspect", parameters: INSPECT_PARAMETERS }],
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "what is in the picture?" },
            { type: "input_image", image_url: `data:image/png;base64,${PNG}` },
          ],
        },
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "two regions" }] },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Checking." }] },
        { type: "function_call", call_id: "call_a", name: "inspect", arguments: '{"region":"top"}' },
        { type: "function_call", call_id: "call_b", name: "inspect", arguments: '{"region":"bottom"}' },
        { type: "function_call_output", call_id: "call_a", output: "a cat" },
        { type: "function_call_output", call_id: "call_b", output: "TOOL_B_RESULT" },
        ...(final === undefined
          ? []
          : [
              { type: "message", role: "assistant", content: [{ type: "output_text", text: "A cat, top half." }] },
              { role: "user", content: final },
            ]),
      ],
    }),
  },
};

describe.each(Object.entries(dialects))("%s: a history the gateway holds no session for", (_name, dialect) => {
  const expected = (rows: typeof RICH_HISTORY_SHOWN) => rows.map((row) => (row.text === "TOOL_B_RESULT" ? { ...row, text: dialect.toolError } : row));

  it("reaches the model as native messages in order: text, an image, parallel calls, reasoning, a tool error", async () => {
    const response = await gw.post(dialect.path, dialect.rich("and the bottom?"));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-copilot-session-origin")).toBe("seeded");
    expect(gw.upstream.calls).toHaveLength(1);
    expect(gw.upstream.calls[0]!.rejected).toBeUndefined();
    expect(shown(gw.upstream.calls[0]!.request.messages)).toEqual(expected(RICH_HISTORY_SHOWN));
  });

  it("ending in tool results, goes on with no new user message", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "Both checked." }] });
    const response = await gw.post(dialect.path, dialect.rich(undefined));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-copilot-session-origin")).toBe("seeded");
    expect(JSON.stringify(await response.json())).toContain("Both checked.");
    expect(shown(gw.upstream.calls[0]!.request.messages)).toEqual(expected(RICH_HISTORY_SHOWN.slice(0, 5)));
  });
});

describe("leading user messages (Codex's environment block, then its prompt)", () => {
  it("reach the model as two user messages on a new session", async () => {
    const response = await gw.post("/v1/responses", {
      model: TEST_MODEL,
      store: false,
      input: [
        { type: "message", role: "user", content: [{ type: "input_text", text: "<environment_context>cwd=/repo</environment_context>" }] },
        { type: "message", role: "user", content: [{ type: "input_text", text: "fix the bug" }] },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-copilot-session-origin")).toBe("new");
    expect(shown(gw.upstream.calls[0]!.request.messages)).toEqual([
      { role: "user", text: "<environment_context>cwd=/repo</environment_context>" },
      { role: "user", text: "fix the bug" },
    ]);
  });
});

describe("a seeded conversation", () => {
  const turn = (...texts: string[]) =>
    texts.map((text, i) => (i % 2 === 0 ? { role: "user", content: text } : { role: "assistant", content: text }));

  it("continues on its session, then branches natively when an earlier user message is edited", async () => {
    const seeded = await gw.post("/v1/chat/completions", { model: TEST_MODEL, messages: turn("one", "1", "two", "2", "three") });
    expect(seeded.headers.get("x-copilot-session-origin")).toBe("seeded");
    const answer = ((await seeded.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;

    const continued = await gw.post("/v1/chat/completions", { model: TEST_MODEL, messages: turn("one", "1", "two", "2", "three", answer, "four") });
    expect(continued.headers.get("x-copilot-session-origin")).toBe("continued");
    expect(continued.headers.get("x-copilot-session-id")).toBe(seeded.headers.get("x-copilot-session-id"));

    // The last user message the seeded turn sent natively is a fork point: regenerating it rewinds the session there.
    const regenerated = await gw.post("/v1/chat/completions", { model: TEST_MODEL, messages: turn("one", "1", "two", "2", "three, again") });
    expect(regenerated.headers.get("x-copilot-session-origin")).toBe("rewound");
    expect(shown(gw.upstream.calls.at(-1)!.request.messages).map((row) => row.text)).toEqual(["one", "1", "two", "2", "three, again"]);

    // "two" was seeded, not sent by a turn: the branch still rewinds the session there (it comes before the cut above, so it was kept).
    const edited = await gw.post("/v1/chat/completions", { model: TEST_MODEL, messages: turn("one", "1", "two, edited") });
    expect(edited.status).toBe(200);
    expect(edited.headers.get("x-copilot-session-origin")).toBe("rewound");
    expect(edited.headers.get("x-copilot-session-id")).toBe(seeded.headers.get("x-copilot-session-id"));
    expect(shown(gw.upstream.calls.at(-1)!.request.messages)).toEqual([
      { role: "user", text: "one" },
      { role: "assistant", text: "1" },
      { role: "user", text: "two, edited" },
    ]);
  });
});

describe("a history that cannot be seeded", () => {
  it("falls back to a flattened transcript and still answers", async () => {
    // One call id used twice: the results could not be told apart natively.
    const call = { id: "call_same", type: "function", function: { name: "inspect", arguments: "{}" } };
    const response = await gw.post("/v1/chat/completions", {
      model: TEST_MODEL,
      tools: [{ type: "function", function: { name: "inspect", parameters: INSPECT_PARAMETERS } }],
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: "call_same", content: "first" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: "call_same", content: "second" },
        { role: "user", content: "summarise" },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-copilot-session-origin")).toBe("flattened");
    const prompt = contentText(gw.upstream.calls[0]!.request.messages.at(-1)!.content);
    expect(prompt).toContain("<conversation_history>");
    expect(prompt).toContain("[tool result for call_same]\nsecond");
    expect(prompt.trim().endsWith("summarise")).toBe(true);
  });
});
