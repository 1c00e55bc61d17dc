// The shared stdio MCP servers, seen as a session sees them: handler tools
// under the runtime's names, within the server's allowlist, each call run on
// the server's one process. Calls made at once get their own answers; a hung
// call ends at the call timeout, a cancelled one is cancelled on the server,
// and a crash fails only the calls in flight, the server starting again for
// the next. A failed call is a failed result the model reads, never a throw. (What the runtime and the model make of them: shared-mcp-servers.test.ts.)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MCPServerConfig, Tool, ToolResultObject } from "@github/copilot-sdk";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SharedMcpServers } from "../../src/runtime/shared-mcp-servers.js";
import type { McpServerConfig } from "../../src/tools/mcp-servers.js";
import { crashingOnCallServer, everythingProcesses, everythingServer, EXITING_SERVER, sdkToolServer } from "../support/mcp-servers.js";

let shared: SharedMcpServers;
let workingDirectory: string;

beforeAll(async () => {
  workingDirectory = await mkdtemp(join(tmpdir(), "cgw-shared-mcp-"));
  shared = new SharedMcpServers({ env: { PATH: process.env.PATH, FROM_THE_RUNTIME: "runtime" }, workingDirectory });
});
afterAll(async () => {
  await shared.close();
  await rm(workingDirectory, { recursive: true, force: true });
});

/** The tools one session is given for `config` under `name`, by the name the model calls them. */
async function sessionTools(name: string, config: MCPServerConfig): Promise<Map<string, Tool>> {
  const given = await shared.sessionTools({ [name]: config });
  return new Map(given.tools.map((tool) => [tool.name, tool]));
}

let calls = 0;
/** Calls a tool as the SDK calls a handler: with the model's arguments and the runtime's cancellation. */
async function call(tool: Tool | undefined, args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolResultObject> {
  if (!tool?.handler) throw new Error("no such handler tool");
  const toolCallId = `call_${++calls}`;
  return (await tool.handler(args, { sessionId: "s", toolCallId, toolName: tool.name, arguments: args, ...(signal ? { signal } : {}) })) as ToolResultObject;
}

/** The shared servers' processes: started by this process (the gateway), not by a runtime. */
const ownServers = () => everythingProcesses().filter((process_) => process_.parent === process.pid);

describe("the shared stdio MCP servers", () => {
  it("give a session each server's tools under the runtime's names, within its allowlist, with their schemas", async () => {
    const given = await shared.sessionTools({ logs: everythingServer({ tools: ["echo", "get-sum"] }) });
    expect(given.tools.map((tool) => tool.name).sort()).toEqual(["logs-echo", "logs-get-sum"]);
    expect(given.tools[0]).toMatchObject({ skipPermission: true, defer: "never", parameters: { type: "object" } });
    expect(given.calledAs.get("logs-get-sum")).toEqual({ server: "logs", tool: "get-sum" });
    expect(given.listings.get("logs")!.tools.map((tool) => tool.name).sort()).toEqual(["echo", "get-sum"]);
    expect(given.runtimeServers).toEqual({});
    expect((await shared.sessionTools({ none: everythingServer({ tools: [] }) })).tools).toEqual([]);
  });

  it("leave remote servers and a stdio server marked shared: false to the runtime", async () => {
    const remote: MCPServerConfig = { type: "http", url: "https://mcp.example.com/mcp", tools: ["*"] };
    const own: McpServerConfig = { ...everythingServer(), shared: false };
    const given = await shared.sessionTools({ remote, own });
    expect(given.runtimeServers).toEqual({ remote, own });
    expect(given.tools).toEqual([]);
  });

  it("serve every session from one process, started at the first use", async () => {
    const config = everythingServer({ timeout: 10_000 });
    const before = ownServers().length;
    const sessions = await Promise.all([sessionTools("one", config), sessionTools("one", config), sessionTools("one", config)]);
    for (const tools of sessions) expect(tools.has("one-echo")).toBe(true);
    expect(ownServers().length - before).toBe(1);
  });

  it("answer calls made at once from many sessions, each with its own result", async () => {
    const config = everythingServer({ timeout: 10_000 });
    const sessions = await Promise.all(Array.from({ length: 4 }, () => sessionTools("many", config)));
    const made = sessions.flatMap((tools, s) => Array.from({ length: 8 }, (_, c) => ({ tool: tools.get("many-echo"), message: `session ${s} call ${c}` })));
    const results = await Promise.all(made.map(({ tool, message }) => call(tool, { message })));
    expect(results.map((result) => result.textResultForLlm)).toEqual(made.map(({ message }) => `Echo: ${message}`));
    expect(results.every((result) => result.resultType === "success")).toBe(true);
  });

  it("start a server in the runtime's environment, under its own", async () => {
    const tools = await sessionTools("environment", everythingServer({ env: { FROM_THE_FILE: "file" } }));
    const env = JSON.parse((await call(tools.get("environment-get-env"), {})).textResultForLlm) as Record<string, string>;
    expect(env).toMatchObject({ FROM_THE_RUNTIME: "runtime", FROM_THE_FILE: "file", PATH: process.env.PATH });
  });

  it("give the sessions opened after the server's tools changed the new list", async () => {
    const config = sdkToolServer();
    const opened = await sessionTools("adding", config);
    expect(opened.has("adding-added")).toBe(false);
    await call(opened.get("adding-add-tool"), {});
    await vi.waitFor(async () => expect((await sessionTools("adding", config)).has("adding-added")).toBe(true));
    expect((await call((await sessionTools("adding", config)).get("adding-added"), {})).textResultForLlm).toBe("added");
  });

  it("pass the runtime's cancellation of a call on to the server", async () => {
    const tools = await sessionTools("cancelling", sdkToolServer());
    const cancel = new AbortController();
    const waiting = call(tools.get("cancelling-wait"), {}, cancel.signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    cancel.abort();
    expect(await waiting).toMatchObject({ resultType: "failure" });
    await vi.waitFor(async () => expect((await call(tools.get("cancelling-cancelled"), {})).textResultForLlm).toBe("1"));
  });

  it("end a call that hangs at the call timeout; the server goes on serving", async () => {
    const tools = await sessionTools("slow", everythingServer({ timeout: 1_000 }));
    const started = performance.now();
    expect(await call(tools.get("slow-trigger-long-running-operation"), { duration: 20, steps: 2 })).toMatchObject({ resultType: "failure", textResultForLlm: expect.stringMatching(/timed out/i) });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect((await call(tools.get("slow-echo"), { message: "still here" })).textResultForLlm).toBe("Echo: still here");
  });

  it("fail the calls in flight when the server dies, and start it again for the next call", async () => {
    const config = crashingOnCallServer("crash-now");
    const before = new Set(ownServers().map((process_) => process_.pid));
    const [first, second] = await Promise.all([sessionTools("crashing", config), sessionTools("crashing", config)]);
    const crashing = ownServers().filter((process_) => !before.has(process_.pid));
    expect(crashing).toHaveLength(1);
    const inFlight = call(second.get("crashing-trigger-long-running-operation"), { duration: 5, steps: 5 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await call(first.get("crashing-echo"), { message: "crash-now" })).toMatchObject({ resultType: "failure", textResultForLlm: expect.stringMatching(/crashing.*closed/) });
    expect(await inFlight).toMatchObject({ resultType: "failure", textResultForLlm: expect.stringMatching(/^the MCP server "crashing" closed the connection/) });
    // Both sessions go on: the next call of either starts the server again, once.
    expect((await call(first.get("crashing-echo"), { message: "after" })).textResultForLlm).toBe("Echo: after");
    expect((await call(second.get("crashing-echo"), { message: "also after" })).textResultForLlm).toBe("Echo: also after");
    const restarted = ownServers().filter((process_) => !before.has(process_.pid));
    expect(restarted).toHaveLength(1);
    expect(restarted[0]!.pid).not.toBe(crashing[0]!.pid);
  });

  it("give no tools of a server that does not start, and say why in its listing", async () => {
    const given = await shared.sessionTools({ broken: EXITING_SERVER, logs: everythingServer({ tools: ["echo"] }) });
    expect(given.tools.map((tool) => tool.name)).toEqual(["logs-echo"]);
    expect(given.listings.get("broken")).toMatchObject({ tools: [], error: expect.stringMatching(/broken.*did not start/) });
  });

  it("stop the servers' processes when they close", async () => {
    const own = new SharedMcpServers({ env: { PATH: process.env.PATH }, workingDirectory });
    const before = new Set(ownServers().map((process_) => process_.pid));
    await own.sessionTools({ closing: everythingServer() });
    const started = ownServers().filter((process_) => !before.has(process_.pid));
    expect(started).toHaveLength(1);
    await own.close();
    await vi.waitFor(() => expect(everythingProcesses().map((process_) => process_.pid)).not.toContain(started[0]!.pid), { timeout: 10_000 });
  });
});
