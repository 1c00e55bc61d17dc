// When the company's tools fail: a server that never starts, one that dies
// in the middle of a call, a call that hangs past its timeout — each fails
// its call (the model reads the failure) and the turn still answers; and a
// model that keeps calling server tools is stopped at the cap per turn.
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { answerScript, crashingOnCallServer, everythingServer, EXITING_SERVER, offeredTools, servers, toolCallScript, toolResultSent } from "../support/mcp-servers.js";

let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  gw = await startGateway({
    mcpServers: servers({ everything: everythingServer(), broken: EXITING_SERVER, crashing: crashingOnCallServer() }),
    defaultMcpGrants: ["*"],
    mcpMaxCallsPerTurn: 2,
    mcpCallTimeoutMs: 1_500,
  });
  client = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => gw.upstream.reset());

/** Runs a turn whose model calls `tool` once, then answers; returns the answer and what the model was told of the call. */
async function callThenAnswer(tool: string, args: Record<string, unknown>): Promise<{ answer: string | null; toolResult: string | undefined }> {
  gw.upstream.respondInOrder(toolCallScript("call_failing", tool, args), answerScript("Answered anyway."));
  const completion = await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: "user", content: `call ${tool}` }] });
  expect(completion.choices[0]!.finish_reason).toBe("stop");
  expect(completion.choices[0]!.message.tool_calls).toBeUndefined();
  return { answer: completion.choices[0]!.message.content, toolResult: toolResultSent(gw.upstream.calls[1]!.request, "call_failing") };
}

describe("a failing MCP server fails its call, not the turn", () => {
  it("a server whose process exits at once offers no tools; a call of one fails and the turn answers", async () => {
    const { answer, toolResult } = await callThenAnswer("broken-echo", { message: "x" });
    expect(answer).toBe("Answered anyway.");
    expect(offeredTools(gw.upstream.calls[0]!.request).filter((name) => name.startsWith("broken-"))).toEqual([]);
    expect(toolResult).toMatch(/does not exist/);
  });

  it("a server that dies in the middle of a call fails that call; the turn answers", async () => {
    const { answer, toolResult } = await callThenAnswer("crashing-echo", { message: "x" });
    expect(answer).toBe("Answered anyway.");
    expect(toolResult).toMatch(/crashing.*closed/);
    expect(toolResult).not.toMatch(/^Echo/);
  });

  it("a call that runs past the call timeout fails with a timeout; the turn answers", async () => {
    const started = performance.now();
    const { answer, toolResult } = await callThenAnswer("everything-trigger-long-running-operation", { duration: 20, steps: 2 });
    expect(answer).toBe("Answered anyway.");
    expect(toolResult).toMatch(/timed out/i);
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});

describe("the cap on server-side tool calls per turn", () => {
  it("stops a model that keeps calling server tools with a 502 naming the limit, not to be retried", async () => {
    gw.upstream.respond((_, index) => toolCallScript(`call_loop_${index}`, "everything-echo", { message: String(index) }));
    const response = await gw.post("/v1/chat/completions", { model: TEST_MODEL, messages: [{ role: "user", content: "loop" }] });
    expect(response.status).toBe(502);
    expect(response.headers.get("x-should-retry")).toBe("false");
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("server_tool_calls_exceeded");
    expect(body.error.message).toMatch(/more than 2 times in one turn/);
    expect(body.error.message).not.toMatch(/GATEWAY_/);
    expect(gw.upstream.calls.length).toBe(3);
  });
});
