// The gateway process as an operator runs it with an MCP server file: the
// stdio server runs once, as the gateway's own child, and goes with the
// gateway, even when it is killed outright; GATEWAY_MCP_SHARED_STDIO=false
// gives it back to the runtime.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, TEST_MODEL } from "../support/gateway.js";
import { childPids, isAlive, startGatewayProcess, waitUntil, type GatewayProcess } from "../support/gateway-process.js";
import { answerScript, everythingProcesses, everythingServer, toolCallScript } from "../support/mcp-servers.js";
import { ScriptedUpstream } from "../support/upstream.js";

let upstream: ScriptedUpstream;
let dir: string;
const started: GatewayProcess[] = [];
beforeAll(async () => {
  upstream = await new ScriptedUpstream([TEST_MODEL]).start();
  dir = mkdtempSync(join(tmpdir(), "cgw-mcp-file-"));
  writeFileSync(join(dir, "mcp.json"), JSON.stringify({ mcpServers: { everything: everythingServer() } }));
});
afterAll(async () => {
  for (const gateway of started) await gateway.close();
  await upstream.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A gateway process granting everyone the server, after a turn whose model
 * called it; the server's processes it started itself, and those its
 * runtimes started (other test files may run servers of their own meanwhile).
 */
async function gatewayThatCalledTheServer(env: Record<string, string> = {}): Promise<{ gateway: GatewayProcess; own: number[]; runtimes: number[] }> {
  const gateway = await startGatewayProcess({ upstreamUrl: upstream.baseUrl, env: { GATEWAY_MCP_CONFIG: join(dir, "mcp.json"), GATEWAY_MCP_DEFAULT_SERVERS: "*", ...env } });
  started.push(gateway);
  upstream.respondInOrder(toolCallScript("call_process", "everything-echo", { message: "from the process" }), answerScript("Done."));
  const response = await fetch(`${gateway.baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(chatBody("call it")) });
  expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("Done.");
  const runtimePids = childPids(gateway.child.pid!);
  const running = everythingProcesses();
  return {
    gateway,
    own: running.filter((server) => server.parent === gateway.child.pid).map((server) => server.pid),
    runtimes: running.filter((server) => runtimePids.includes(server.parent)).map((server) => server.pid),
  };
}

// Each test starts a gateway process (tsx compiling src/ first) and its runtime: slow on a busy machine.
describe("a gateway process with a stdio MCP server", { timeout: 60_000 }, () => {
  it("runs it once, as its own child, and leaves none behind when it is killed outright", async () => {
    const { gateway, own, runtimes } = await gatewayThatCalledTheServer();
    expect(own).toHaveLength(1);
    expect(runtimes).toEqual([]);
    gateway.child.kill("SIGKILL");
    await gateway.exited;
    // Its input closed with the gateway, the server ends, as the protocol has it.
    expect(await waitUntil(() => !isAlive(own[0]!), 5_000)).toBe(true);
  });

  it("leaves it to the runtime, one per session, with GATEWAY_MCP_SHARED_STDIO=false", async () => {
    const { own, runtimes } = await gatewayThatCalledTheServer({ GATEWAY_MCP_SHARED_STDIO: "false" });
    expect(own).toEqual([]);
    expect(runtimes.length).toBeGreaterThan(0);
  });
});
