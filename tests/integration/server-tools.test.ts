// The company's tools on the chat completions API: the operator's MCP server
// (the real server-everything over stdio) is run by the Copilot runtime for
// the sessions granted it; the client sees only the answer, never the call.
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { answerScript, everythingServer, offeredTools, servers, toolCallScript, toolResultSent } from "../support/mcp-servers.js";

const WEATHER = { type: "function" as const, function: { name: "get_weather", description: "The weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } } };

let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  gw = await startGateway({ mcpServers: servers({ everything: everythingServer(), other: everythingServer() }), defaultMcpGrants: ["everything"] });
  client = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => gw.upstream.reset());

describe("a granted MCP server", () => {
  it("offers the model its tools as <server>-<tool>, and nothing of a server not granted", async () => {
    await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: "user", content: "which tools?" }] });
    const offered = offeredTools(gw.upstream.calls[0]!.request);
    expect(offered).toContain("everything-echo");
    expect(offered).toContain("everything-get-sum");
    expect(offered.filter((name) => name.startsWith("other-"))).toEqual([]);
  });

  it.each([false, true])("runs a call of its tool inside the turn; the client gets the answer and no tool call (stream: %s)", async (stream) => {
    gw.upstream.respondInOrder(toolCallScript("call_echo_1", "everything-echo", { message: "hi" }), answerScript("The server said hi."));
    const request = { model: TEST_MODEL, messages: [{ role: "user" as const, content: "echo hi on the server" }] };
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let toolCallsShown = 0;
    if (stream) {
      for await (const chunk of await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } })) {
        const choice = chunk.choices[0];
        text += choice?.delta.content ?? "";
        toolCallsShown += choice?.delta.tool_calls?.length ?? 0;
        finish = choice?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
    } else {
      const completion = await client.chat.completions.create(request);
      text = completion.choices[0]!.message.content ?? "";
      toolCallsShown = completion.choices[0]!.message.tool_calls?.length ?? 0;
      finish = completion.choices[0]!.finish_reason;
      usage = completion.usage;
    }
    expect(text).toBe("The server said hi.");
    expect(toolCallsShown).toBe(0);
    expect(finish).toBe("stop");
    // Both model calls of the turn are counted.
    expect(usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 7 });
    expect(gw.upstream.calls).toHaveLength(2);
    expect(toolResultSent(gw.upstream.calls[1]!.request, "call_echo_1")).toBe("Echo: hi");
  });

  it("hands the client its own tool call of a message that also calls a server tool; its result finishes the loop", async () => {
    gw.upstream.respondInOrder(
      {
        steps: [
          { toolCall: { id: "call_mixed_echo", name: "everything-echo", arguments: '{"message":"x"}' } },
          { toolCall: { id: "call_mixed_weather", name: "get_weather", arguments: '{"city":"Oslo"}' } },
        ],
      },
      answerScript("Sunny in Oslo, and the echo said x."),
    );
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "weather and echo" }];
    const first = await client.chat.completions.create({ model: TEST_MODEL, messages, tools: [WEATHER] });
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect(message.tool_calls?.map((call) => call.id)).toEqual(["call_mixed_weather"]);
    const second = await client.chat.completions.create({
      model: TEST_MODEL,
      tools: [WEATHER],
      messages: [...messages, message, { role: "tool", tool_call_id: "call_mixed_weather", content: "sunny" }],
    });
    expect(second.choices[0]!.message.content).toBe("Sunny in Oslo, and the echo said x.");
    // One session: the model got both results, the server's and the client's, natively.
    const sent = gw.upstream.calls[1]!.request;
    expect(toolResultSent(sent, "call_mixed_echo")).toBe("Echo: x");
    expect(toolResultSent(sent, "call_mixed_weather")).toBe("sunny");
  });

  it("gives a client tool named like a server tool to the client: the client's declaration wins", async () => {
    const clientEcho = { type: "function" as const, function: { name: "everything-echo", description: "The client's own echo", parameters: { type: "object", properties: { message: { type: "string" } } } } };
    gw.upstream.respondInOrder(toolCallScript("call_clash", "everything-echo", { message: "mine" }));
    const completion = await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: "user", content: "whose echo?" }], tools: [clientEcho] });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]!.message.tool_calls?.map((call) => call.id)).toEqual(["call_clash"]);
    const offered = gw.upstream.calls[0]!.request.tools!.filter((tool) => tool.function.name === "everything-echo");
    expect(offered.map((tool) => tool.function.description)).toEqual(["The client's own echo"]);
  });
});
