// A granted MCP server's tool call on the Responses and Anthropic Messages
// APIs, streamed and not, through the providers' own client libraries: the
// runtime runs the call inside the turn, and the client gets the answer with
// no tool call in it (every body also checked against the providers' specs).
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { answerScript, everythingServer, servers, toolCallScript, toolResultSent } from "../support/mcp-servers.js";

const ANSWER = "The server said hi.";

let gw: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;
beforeAll(async () => {
  gw = await startGateway({ mcpServers: servers({ everything: everythingServer() }), defaultMcpGrants: ["*"] });
  const baseURL = await gw.listen();
  openai = new OpenAI({ baseURL, apiKey: "k", maxRetries: 0 });
  // The Anthropic SDK appends /v1/messages itself.
  anthropic = new Anthropic({ baseURL: baseURL.replace(/\/v1$/, ""), apiKey: "k", maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  gw.upstream.reset();
  gw.upstream.respondInOrder(toolCallScript("call_echo_d", "everything-echo", { message: "hi" }), answerScript(ANSWER));
});

/** The server's call ran inside the one turn: two model calls, the second with its result. */
function expectServerCallRan(): void {
  expect(gw.upstream.calls).toHaveLength(2);
  expect(toolResultSent(gw.upstream.calls[1]!.request, "call_echo_d")).toBe("Echo: hi");
}

describe.each([false, true])("Responses (stream: %s)", (stream) => {
  it("answers after the server's tool ran, with only a message in the output", async () => {
    const request = { model: TEST_MODEL, input: "echo hi on the server" };
    const response = stream ? await openai.responses.stream(request).finalResponse() : await openai.responses.create(request);
    expect(response.status).toBe("completed");
    expect(response.output.map((item) => item.type)).toEqual(["message"]);
    expect(response.output_text).toBe(ANSWER);
    expect(response.usage).toMatchObject({ input_tokens: 30, output_tokens: 7 });
    expectServerCallRan();
  });
});

describe.each([false, true])("Anthropic Messages (stream: %s)", (stream) => {
  it("answers after the server's tool ran, with only text blocks and stop_reason end_turn", async () => {
    const request = { model: TEST_MODEL, max_tokens: 256, messages: [{ role: "user" as const, content: "echo hi on the server" }] };
    const message = stream ? await anthropic.messages.stream(request).finalMessage() : await anthropic.messages.create(request);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.content.map((block) => block.type)).toEqual(["text"]);
    expect(message.content.map((block) => (block.type === "text" ? block.text : "")).join("")).toBe(ANSWER);
    expect(message.usage).toMatchObject({ output_tokens: 7 });
    expectServerCallRan();
  });
});
