// The bridge that shares each stdio MCP server among sessions, seen as the
// runtime sees it: an MCP server over streamable HTTP, here called with the
// official SDK's own client. One process serves every session; calls made at
// once get their own answers; only the holder of the per-process token gets
// in; a hung call ends at the call timeout and a crash fails only the calls
// in flight, the server starting again for the next.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MCPServerConfig } from "@github/copilot-sdk";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { SharedMcpBridge } from "../../src/runtime/shared-mcp-bridge.js";
import type { McpServerConfig } from "../../src/tools/mcp-servers.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { crashingOnCallServer, everythingProcesses, everythingServer, sdkToolServer } from "../support/mcp-servers.js";

let bridge: SharedMcpBridge;
let workingDirectory: string;
const clients: Client[] = [];

beforeAll(async () => {
  workingDirectory = await mkdtemp(join(tmpdir(), "cgw-bridge-"));
  bridge = await SharedMcpBridge.start({ env: { PATH: process.env.PATH, FROM_THE_RUNTIME: "runtime" }, workingDirectory });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});
afterAll(async () => {
  await bridge.close();
  await rm(workingDirectory, { recursive: true, force: true });
});

/** The endpoint a session is given for `config` under `name`: what the runtime connects to. */
function endpoint(name: string, config: MCPServerConfig): { url: string; headers: Record<string, string> } {
  const given = bridge.sessionServers({ [name]: config })[name]!;
  if (given.type !== "http") throw new Error(`${name} was not bridged`);
  return { url: given.url, headers: given.headers ?? {} };
}

/** An MCP session on the bridge, as one runtime session opens it. */
async function session(name: string, config: MCPServerConfig): Promise<Client> {
  const { url, headers } = endpoint(name, config);
  const client = new Client({ name: "bridge-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

const echoed = (result: Awaited<ReturnType<Client["callTool"]>>) => (result.content as Array<{ text: string }>)[0]!.text;

/** The bridged server's processes: started by this process (the gateway), not by a runtime. */
const ownServers = () => everythingProcesses().filter((process_) => process_.parent === process.pid);

describe("the shared stdio MCP server bridge", () => {
  it("gives each session the same server under its name, allowlist and timeout, at a loopback URL with a bearer token", () => {
    const given = bridge.sessionServers({ logs: everythingServer({ tools: ["echo"], timeout: 1234 }) }).logs!;
    expect(given).toMatchObject({ type: "http", tools: ["echo"], timeout: 1234 });
    expect(given.type === "http" && given.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp\/\d+$/);
    expect(given.type === "http" && given.headers?.authorization).toMatch(/^Bearer [A-Za-z0-9_-]{43}$/);
  });

  it("leaves remote servers and a stdio server marked shared: false as they are", () => {
    const remote: MCPServerConfig = { type: "http", url: "https://mcp.example.com/mcp", tools: ["*"] };
    const own: McpServerConfig = { ...everythingServer(), shared: false };
    expect(bridge.sessionServers({ remote, own })).toEqual({ remote, own });
  });

  it("serves every session from one process, started at the first use", async () => {
    const config = everythingServer({ timeout: 10_000 });
    const before = ownServers().length;
    const sessions = await Promise.all([session("one", config), session("one", config), session("one", config)]);
    for (const client of sessions) expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("echo");
    expect(ownServers().length - before).toBe(1);
  });

  it("answers calls made at once from many sessions, each with its own result", async () => {
    const config = everythingServer({ timeout: 10_000 });
    const sessions = await Promise.all(Array.from({ length: 4 }, () => session("many", config)));
    const calls = sessions.flatMap((client, s) => Array.from({ length: 8 }, (_, c) => ({ client, message: `session ${s} call ${c}` })));
    const results = await Promise.all(calls.map(({ client, message }) => client.callTool({ name: "echo", arguments: { message } })));
    expect(results.map(echoed)).toEqual(calls.map(({ message }) => `Echo: ${message}`));
  });

  it("starts a server in the runtime's environment, under its own", async () => {
    const client = await session("environment", everythingServer({ env: { FROM_THE_FILE: "file" } }));
    const env = JSON.parse(echoed(await client.callTool({ name: "get-env", arguments: {} }))) as Record<string, string>;
    expect(env).toMatchObject({ FROM_THE_RUNTIME: "runtime", FROM_THE_FILE: "file", PATH: process.env.PATH });
  });

  it("tells every session when the server's tools change", async () => {
    const config = sdkToolServer();
    const [adder, other] = await Promise.all([session("adding", config), session("adding", config)]);
    const told = new Promise<void>((resolve) => other.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    expect((await other.listTools()).tools.map((tool) => tool.name)).not.toContain("added");
    await adder.callTool({ name: "add-tool", arguments: {} });
    await told;
    // The tool list kept for new sessions is the new one too.
    expect((await other.listTools()).tools.map((tool) => tool.name)).toContain("added");
    expect((await (await session("adding", config)).listTools()).tools.map((tool) => tool.name)).toContain("added");
  });

  it("passes a session's cancellation on to the server", async () => {
    const client = await session("cancelling", sdkToolServer());
    const cancel = new AbortController();
    const waiting = client.callTool({ name: "wait", arguments: {} }, undefined, { signal: cancel.signal }).then(
      () => "answered",
      () => "given up",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    cancel.abort();
    expect(await waiting).toBe("given up");
    await vi.waitFor(async () => expect(echoed(await client.callTool({ name: "cancelled", arguments: {} }))).toBe("1"));
  });

  it("speaks streamable HTTP: a session opened by initialize, notifications taken, unknown methods refused, closed by DELETE", async () => {
    const { url, headers: auth } = endpoint("wire", everythingServer());
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(url, { method: "POST", headers: { ...auth, "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: JSON.stringify(body) });
    const discover = await post({ jsonrpc: "2.0", id: 0, method: "server/discover", params: {} });
    expect(discover.status).toBe(400);
    const opened = await post({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } });
    const sessionId = opened.headers.get("mcp-session-id")!;
    expect(await opened.json()).toMatchObject({ jsonrpc: "2.0", id: 1, result: { protocolVersion: "2025-06-18", capabilities: { tools: { listChanged: true } }, serverInfo: { name: expect.any(String) } } });
    const inSession = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" };
    expect((await post({ jsonrpc: "2.0", method: "notifications/initialized" }, inSession)).status).toBe(202);
    expect(await (await post({ jsonrpc: "2.0", id: 2, method: "ping" }, inSession)).json()).toEqual({ jsonrpc: "2.0", id: 2, result: {} });
    expect(await (await post({ jsonrpc: "2.0", id: 3, method: "resources/list" }, inSession)).json()).toMatchObject({ id: 3, error: { code: -32601 } });
    expect((await post([{ jsonrpc: "2.0", id: 4, method: "ping" }], inSession)).status).toBe(400);
    expect((await fetch(url, { method: "DELETE", headers: { ...auth, ...inSession } })).status).toBe(200);
    expect((await post({ jsonrpc: "2.0", id: 5, method: "ping" }, inSession)).status).toBe(404);
  });

  it("refuses a request without the token, or with another, before any server starts", async () => {
    const { url } = endpoint("guarded", everythingServer());
    const before = ownServers().length;
    const initialize = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } } });
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    for (const authorization of [undefined, "Bearer not-the-token", "not-the-token"]) {
      const response = await fetch(url, { method: "POST", headers: { ...headers, ...(authorization ? { authorization } : {}) }, body: initialize });
      expect(response.status).toBe(401);
      expect(await response.text()).toBe("");
    }
    expect(ownServers().length).toBe(before);
  });

  it("ends a call that hangs at the call timeout; the server goes on serving", async () => {
    const client = await session("slow", everythingServer({ timeout: 1_000 }));
    const started = performance.now();
    await expect(client.callTool({ name: "trigger-long-running-operation", arguments: { duration: 20, steps: 2 } }, undefined, { timeout: 30_000 })).rejects.toThrow(/timed out/i);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(echoed(await client.callTool({ name: "echo", arguments: { message: "still here" } }))).toBe("Echo: still here");
  });

  it("fails the calls in flight when the server dies, and starts it again for the next call", async () => {
    const config = crashingOnCallServer("crash-now");
    const before = new Set(ownServers().map((process_) => process_.pid));
    const [first, second] = await Promise.all([session("crashing", config), session("crashing", config)]);
    const crashing = ownServers().filter((process_) => !before.has(process_.pid));
    expect(crashing).toHaveLength(1);
    const inFlight = second.callTool({ name: "trigger-long-running-operation", arguments: { duration: 5, steps: 5 } }).then(
      () => "answered",
      (error: Error) => error.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(first.callTool({ name: "echo", arguments: { message: "crash-now" } })).rejects.toThrow(/crashing.*closed/);
    expect(await inFlight).toMatch(/^MCP error -32000: the MCP server "crashing" closed the connection/);
    // Both sessions go on: the next call of either starts the server again, once.
    expect(echoed(await first.callTool({ name: "echo", arguments: { message: "after" } }))).toBe("Echo: after");
    expect(echoed(await second.callTool({ name: "echo", arguments: { message: "also after" } }))).toBe("Echo: also after");
    const restarted = ownServers().filter((process_) => !before.has(process_.pid));
    expect(restarted).toHaveLength(1);
    expect(restarted[0]!.pid).not.toBe(crashing[0]!.pid);
  });

  it("stops the servers' processes when it closes", async () => {
    const own = await SharedMcpBridge.start({ env: { PATH: process.env.PATH }, workingDirectory });
    const given = own.sessionServers({ closing: everythingServer() }).closing!;
    const client = new Client({ name: "bridge-test", version: "1" });
    if (given.type !== "http") throw new Error("not bridged");
    const before = new Set(ownServers().map((process_) => process_.pid));
    await client.connect(new StreamableHTTPClientTransport(new URL(given.url), { requestInit: { headers: given.headers ?? {} } }));
    const started = ownServers().filter((process_) => !before.has(process_.pid));
    expect(started).toHaveLength(1);
    await own.close();
    await vi.waitFor(() => expect(everythingProcesses().map((process_) => process_.pid)).not.toContain(started[0]!.pid), { timeout: 10_000 });
    await client.close();
  });
});
