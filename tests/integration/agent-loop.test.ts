// Agent loops through the conversation ledger: a whole loop is one native
// Copilot session, proven at the scripted upstream.
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { expectNativeLoop, LOOKUP_TOOL, runOpenAILoop, toolLoopResponder, userMessages } from "../support/agent.js";

let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  gw = await startGateway();
  client = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => gw.upstream.reset());

describe.each([false, true])("a 3-step tool loop driven by the openai client (stream: %s)", (stream) => {
  it("is one native session: native tool_calls and tool messages upstream, one user prompt for the whole loop", async () => {
    gw.upstream.respond(toolLoopResponder(3));
    const run = await runOpenAILoop(client, TEST_MODEL, "start the loop", stream);
    expect(run.final).toBe("done after 3 tools for start the loop");
    expect(run.requests).toBe(4);
    if (!stream) {
      expect(new Set(run.sessionIds).size).toBe(1);
      expect(run.sessionIds[0]).toMatch(/.+/);
    }

    // Every upstream call is the same conversation with one user prompt, growing natively.
    expectNativeLoop(gw.upstream.calls, 3);
  });
});

describe("conversations", () => {
  it("continues the same session for a new user message, with native history upstream", async () => {
    const first = await gw.post("/v1/chat/completions", chatBody("first question"));
    const answer = ((await first.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
    const second = await gw.post("/v1/chat/completions", {
      model: TEST_MODEL,
      messages: [
        { role: "user", content: "first question" },
        { role: "assistant", content: answer },
        { role: "user", content: "second question" },
      ],
    });
    expect(second.headers.get("x-copilot-session-id")).toBe(first.headers.get("x-copilot-session-id"));
    const sent = gw.upstream.calls[1]!.request.messages;
    expect(sent.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(sent[1]!.content).toBe("echo: first question");
  });

  it("answers two tool calls of one assistant message together", async () => {
    gw.upstream.respondInOrder(
      {
        steps: [
          { toolCall: { id: "call_a", name: "lookup", arguments: '{"step":1}' } },
          { toolCall: { id: "call_b", name: "lookup", arguments: '{"step":2}' } },
        ],
      },
      { steps: [{ text: "both done" }] },
    );
    const first = await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: "user", content: "two at once" }], tools: [LOOKUP_TOOL] }).withResponse();
    const message = first.data.choices[0]!.message;
    expect(message.tool_calls?.map((c) => c.id)).toEqual(["call_a", "call_b"]);
    const second = await client.chat.completions
      .create({
        model: TEST_MODEL,
        tools: [LOOKUP_TOOL],
        messages: [
          { role: "user", content: "two at once" },
          message,
          { role: "tool", tool_call_id: "call_a", content: "A" },
          { role: "tool", tool_call_id: "call_b", content: "B" },
        ],
      })
      .withResponse();
    expect(second.data.choices[0]!.message.content).toBe("both done");
    expect(second.response.headers.get("x-copilot-session-id")).toBe(first.response.headers.get("x-copilot-session-id"));
    const sent = gw.upstream.calls[1]!.request.messages;
    expect(sent.filter((m) => m.role === "tool").map((m) => [m.tool_call_id, m.content])).toEqual([
      ["call_a", "A"],
      ["call_b", "B"],
    ]);
    expect(userMessages(gw.upstream.calls[1]!.request)).toBe(1);
  });

  it("keeps two conversations interleaved concurrently apart", async () => {
    gw.upstream.respond((request) => toolLoopResponder(2, request.messages.some((m) => JSON.stringify(m.content).includes("alpha")) ? "alpha" : "beta")(request, 0));
    const [alpha, beta] = await Promise.all([
      runOpenAILoop(client, TEST_MODEL, "alpha task", false),
      runOpenAILoop(client, TEST_MODEL, "beta task", false),
    ]);
    expect(alpha.final).toBe("done after 2 tools for alpha task");
    expect(beta.final).toBe("done after 2 tools for beta task");
    expect(new Set(alpha.sessionIds).size).toBe(1);
    expect(new Set(beta.sessionIds).size).toBe(1);
    expect(alpha.sessionIds[0]).not.toBe(beta.sessionIds[0]);
    for (const call of gw.upstream.calls) {
      const text = JSON.stringify(call.request.messages);
      expect(text.includes("alpha") && text.includes("beta")).toBe(false);
    }
  });

  it("lets a tool named like a built-in (bash) round-trip as the client's own tool", async () => {
    const bash = { type: "function" as const, function: { name: "bash", description: "Runs a command on the client.", parameters: { type: "object", properties: { command: { type: "string" } } } } };
    gw.upstream.respondInOrder({ steps: [{ toolCall: { id: "call_sh", name: "bash", arguments: '{"command":"ls"}' } }] }, { steps: [{ text: "listed" }] });
    const first = await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: "user", content: "list files" }], tools: [bash] });
    const message = first.choices[0]!.message;
    expect(message.tool_calls?.[0]).toMatchObject({ id: "call_sh", function: { name: "bash", arguments: '{"command":"ls"}' } });
    const second = await client.chat.completions.create({
      model: TEST_MODEL,
      tools: [bash],
      messages: [{ role: "user", content: "list files" }, message, { role: "tool", tool_call_id: "call_sh", content: "README.md" }],
    });
    expect(second.choices[0]!.message.content).toBe("listed");
    expect(gw.upstream.calls[1]!.request.messages.find((m) => m.role === "tool")?.content).toBe("README.md");
  });
});
