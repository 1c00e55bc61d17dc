// A stdio MCP server shared by every session of the gateway: the real
// runtime offers its tools and calls them back in the gateway, which runs
// them on the one process, so a new session starts none. Conversations calling it at once get their own results,
// a crash is survived by the next call, stopping the gateway stops the
// process, and the switch puts each session back on a process of its own.
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { CopilotRuntime } from "../../src/runtime/runtime-pool.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { crashingOnCallServer, everythingProcesses, everythingServer, servers, toolResultSent } from "../support/mcp-servers.js";
import { startHeadlessRuntime } from "../support/headless.js";
import { runtimeChildren } from "../support/runtime-children.js";
import { lastUserText, type Responder } from "../support/upstream.js";

/** A model that calls `<server>-echo` with the user's text, then answers with what the tool said. */
function echoingModel(server: string): Responder {
  return (request) => {
    const result = request.messages.find((message) => message.role === "tool");
    if (result) return { steps: [{ text: `the server said: ${String(result.content)}` }], usage: { prompt_tokens: 20, completion_tokens: 4 } };
    const id = `call_${lastUserText(request).replace(/[^A-Za-z0-9]/g, "_")}`;
    return { steps: [{ toolCall: { id, name: `${server}-echo`, arguments: JSON.stringify({ message: lastUserText(request) }) } }], usage: { prompt_tokens: 10, completion_tokens: 5 } };
  };
}

const ask = (client: OpenAI, content: string) => client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: "user", content }] }).then((completion) => completion.choices[0]!.message.content);

describe("a stdio MCP server shared by the gateway's sessions", () => {
  let gw: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    gw = await startGateway({ mcpServers: servers({ everything: everythingServer(), flaky: crashingOnCallServer("crash-now") }), defaultMcpGrants: ["*"], mcpCallTimeoutMs: 5_000 });
    client = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.upstream.reset());

  it("runs one process per server for all sessions, started by the gateway, not the runtime; conversations calling at once get their own results", async () => {
    gw.upstream.respond(echoingModel("everything"));
    const asked = Array.from({ length: 6 }, (_, index) => `conversation ${index}`);
    const answers = await Promise.all(asked.map((content) => ask(client, content)));
    expect(answers).toEqual(asked.map((content) => `the server said: Echo: ${content}`));
    const [runtime] = runtimeChildren();
    const running = everythingProcesses();
    expect(running.filter((server) => server.parent === runtime)).toEqual([]);
    // One process per configured server (everything, and flaky's wrapper), whatever the sessions.
    expect(running.filter((server) => server.parent === process.pid)).toHaveLength(2);
  });

  it("fails the call a crash cuts short, and starts the server again for the next call", async () => {
    gw.upstream.respond(echoingModel("flaky"));
    expect(await ask(client, "crash-now")).toMatch(/^the server said: .*flaky.*closed/);
    expect(toolResultSent(gw.upstream.calls[1]!.request, "call_crash_now")).toMatch(/flaky.*closed/);
    expect(await ask(client, "after the crash")).toBe("the server said: Echo: after the crash");
  });
});

describe("the servers' processes", () => {
  it("stop with the gateway", async () => {
    const gw = await startGateway({ mcpServers: servers({ everything: everythingServer() }), defaultMcpGrants: ["*"] });
    // This test file's own: other files may run servers meanwhile.
    const ours = () => everythingProcesses().filter((server) => server.parent === process.pid);
    const before = new Set(ours().map((server) => server.pid));
    gw.upstream.respond(echoingModel("everything"));
    const client = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
    expect(await ask(client, "hello")).toBe("the server said: Echo: hello");
    const started = ours().filter((server) => !before.has(server.pid));
    expect(started).toHaveLength(1);
    await gw.close();
    expect(everythingProcesses().map((server) => server.pid)).not.toContain(started[0]!.pid);
  });

  it("are an external runtime's own: it may run on another host, whose loopback is not the gateway's", async () => {
    const headless = await startHeadlessRuntime();
    const gw = await startGateway({ mcpServers: servers({ everything: everythingServer() }), defaultMcpGrants: ["*"] }, { externalRuntimeUrl: headless.url });
    try {
      gw.upstream.respond(echoingModel("everything"));
      const client = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
      expect(await ask(client, "over there")).toBe("the server said: Echo: over there");
      const parents = everythingProcesses().map((server) => server.parent);
      expect(parents).toContain(headless.process.pid);
      expect(parents).not.toContain(process.pid);
    } finally {
      await gw.close();
      await headless.stop();
    }
  });

  it("are the runtime's, one per session, when sharing is off", async () => {
    const gw = await startGateway(
      { mcpServers: servers({ everything: everythingServer() }), defaultMcpGrants: ["*"] },
      { runtime: (settings) => new CopilotRuntime({ ...settings, sharedStdioMcpServers: false }) },
    );
    try {
      gw.upstream.respond(echoingModel("everything"));
      const client = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
      await Promise.all([ask(client, "first"), ask(client, "second")]);
      const [runtime] = runtimeChildren();
      await vi.waitFor(() => expect(everythingProcesses().filter((server) => server.parent === runtime).length).toBeGreaterThanOrEqual(2));
    } finally {
      await gw.close();
    }
  });
});
