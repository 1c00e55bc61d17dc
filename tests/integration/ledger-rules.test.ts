// The ledger's rules, each at the real runtime: identities never share
// sessions, aborted and restarted loops fall back and still answer, the
// session cap evicts, and parallel_tool_calls false shows one call at a time.
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LOOKUP_TOOL, runOpenAILoop, toolLoopResponder, userMessages } from "../support/agent.js";
import { chatBody, startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { runtimeChildren } from "../support/runtime-children.js";

type Completion = { choices: Array<{ message: { content: string | null; tool_calls?: Array<{ id: string }> }; finish_reason: string }> };

describe("with two API keys", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ apiKeys: ["key-a", "key-b"] });
  });
  afterAll(async () => {
    await gw.close();
  });

  it("never continues another key's session, even for the same history", async () => {
    const first = await gw.post("/v1/chat/completions", chatBody("shared question"), { authorization: "Bearer key-a" });
    const answer = ((await first.json()) as Completion).choices[0]!.message.content!;
    const history = { model: TEST_MODEL, messages: [{ role: "user", content: "shared question" }, { role: "assistant", content: answer }, { role: "user", content: "follow-up" }] };

    const other = await gw.post("/v1/chat/completions", history, { authorization: "Bearer key-b" });
    expect(other.headers.get("x-copilot-session-id")).not.toBe(first.headers.get("x-copilot-session-id"));
    // Key b's request started afresh, on a session seeded with the history it sent, not key a's session.
    expect(other.headers.get("x-copilot-session-origin")).toBe("seeded");
    expect(userMessages(gw.upstream.calls[1]!.request)).toBe(2);

    const same = await gw.post("/v1/chat/completions", history, { "x-api-key": "key-a" });
    expect(same.headers.get("x-copilot-session-id")).toBe(first.headers.get("x-copilot-session-id"));
  });
});

describe("one gateway", () => {
  let gw: TestGateway;
  let baseUrl: string;
  let client: OpenAI;
  beforeAll(async () => {
    gw = await startGateway({ maxSessions: 2 });
    baseUrl = await gw.listen();
    client = new OpenAI({ baseURL: baseUrl, apiKey: "k", maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
  });
  beforeEach(() => gw.upstream.reset());

  it("drops a session whose turn the client aborted, and answers the retry on a new one", async () => {
    gw.upstream.respondInOrder({ steps: [{ text: "starting" }, { delayMs: 10_000 }, { text: "never" }] });
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(chatBody("abort me", { stream: true })),
      signal: controller.signal,
    });
    const aborted = response.headers.get("x-copilot-session-id");
    const reader = response.body!.getReader();
    let seen = "";
    while (!seen.includes("starting")) seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    await expect(gw.upstream.calls[0]!.aborted).resolves.toBe(true);

    const retry = await gw.post("/v1/chat/completions", chatBody("abort me"));
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as Completion).choices[0]!.message.content).toBe("echo: abort me");
    expect(retry.headers.get("x-copilot-session-id")).not.toBe(aborted);
  });

  it("falls back and still answers when the runtime restarts in the middle of a loop", async () => {
    gw.upstream.respond(toolLoopResponder(1));
    const first = await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: "user", content: "loop across a crash" }], tools: [LOOKUP_TOOL] }).withResponse();
    const message = first.data.choices[0]!.message;
    expect(message.tool_calls?.[0]?.id).toBe("call_1");

    process.kill(runtimeChildren()[0]!, "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 200));

    gw.upstream.respondInOrder({ steps: [{ text: "recovered" }] });
    const second = await client.chat.completions
      .create({
        model: TEST_MODEL,
        tools: [LOOKUP_TOOL],
        messages: [{ role: "user", content: "loop across a crash" }, message, { role: "tool", tool_call_id: "call_1", content: "looked up" }],
      })
      .withResponse();
    // The new session got the loop as a transcript (tool call and result included) and answered.
    expect(second.data.choices[0]!.message.content).toBe("recovered");
    expect(second.response.headers.get("x-copilot-session-id")).not.toBe(first.response.headers.get("x-copilot-session-id"));
    const prompt = JSON.stringify(gw.upstream.calls.at(-1)!.request.messages);
    expect(prompt).toContain("call_1");
    expect(prompt).toContain("looked up");
  });

  it("evicts the least recently used session at the cap; its conversation still continues on a new one", async () => {
    const conversations = ["one", "two", "three"];
    const first = new Map<string, { session: string; answer: string }>();
    for (const name of conversations) {
      const response = await gw.post("/v1/chat/completions", chatBody(`conversation ${name}`));
      first.set(name, { session: response.headers.get("x-copilot-session-id")!, answer: ((await response.json()) as Completion).choices[0]!.message.content! });
    }
    expect(gw.runtime).toBeDefined();
    const continueWith = async (name: string) =>
      gw.post("/v1/chat/completions", {
        model: TEST_MODEL,
        messages: [{ role: "user", content: `conversation ${name}` }, { role: "assistant", content: first.get(name)!.answer }, { role: "user", content: "and then?" }],
      });
    // Cap 2: "one" was evicted when "three" was recorded; "three" is still live.
    const three = await continueWith("three");
    expect(three.headers.get("x-copilot-session-id")).toBe(first.get("three")!.session);
    const one = await continueWith("one");
    expect(one.status).toBe(200);
    expect(one.headers.get("x-copilot-session-id")).not.toBe(first.get("one")!.session);
  });

  it("passes on one tool call at a time with parallel_tool_calls false, declining the others to the model", async () => {
    gw.upstream.respondInOrder(
      {
        steps: [
          { toolCall: { id: "call_x", name: "lookup", arguments: '{"step":1}' } },
          { toolCall: { id: "call_y", name: "lookup", arguments: '{"step":2}' } },
        ],
      },
      { steps: [{ text: "finished" }] },
    );
    const first = await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: "user", content: "one at a time" }], tools: [LOOKUP_TOOL], parallel_tool_calls: false });
    const message = first.choices[0]!.message;
    expect(message.tool_calls?.map((call) => call.id)).toEqual(["call_x"]);
    const second = await client.chat.completions.create({
      model: TEST_MODEL,
      tools: [LOOKUP_TOOL],
      parallel_tool_calls: false,
      messages: [{ role: "user", content: "one at a time" }, message, { role: "tool", tool_call_id: "call_x", content: "X" }],
    });
    expect(second.choices[0]!.message.content).toBe("finished");
    const tools = gw.upstream.calls[1]!.request.messages.filter((m) => m.role === "tool");
    expect(tools.find((m) => m.tool_call_id === "call_x")?.content).toBe("X");
    expect(JSON.stringify(tools.find((m) => m.tool_call_id === "call_y")?.content)).toMatch(/one tool call at a time/);
  });

  it("runs a 5-step loop with the openai client in one session", async () => {
    gw.upstream.respond(toolLoopResponder(5));
    const run = await runOpenAILoop(client, TEST_MODEL, "five steps", false);
    expect(run.final).toBe("done after 5 tools for five steps");
    expect(new Set(run.sessionIds).size).toBe(1);
    for (const call of gw.upstream.calls) expect(userMessages(call.request)).toBe(1);
  });
});
