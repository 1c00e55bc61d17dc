// The gateway as an operator runs it: a real process started from src/main.ts,
// configured by environment, stopped by signals.
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, readSseData, TEST_MODEL } from "../support/gateway.js";
import { childPids, ENTRY, isAlive, startGatewayProcess as startProcess, waitUntil, type GatewayProcess } from "../support/gateway-process.js";
import { ScriptedUpstream } from "../support/upstream.js";

let upstream: ScriptedUpstream;
/** Each test signals its gateway itself (that is what it tests); these are closed after all, whatever a test left running. */
const started: GatewayProcess[] = [];
beforeAll(async () => {
  upstream = await new ScriptedUpstream([TEST_MODEL]).start();
});
afterAll(async () => {
  for (const gateway of started) await gateway.close();
  await upstream.stop();
});

async function startGatewayProcess(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const gateway = await startProcess({ upstreamUrl: upstream.baseUrl, env });
  started.push(gateway);
  return gateway;
}

describe("the command line", () => {
  it("prints every setting with --help and exits 0", () => {
    const result = spawnSync(process.execPath, [...ENTRY, "--help"], { encoding: "utf8" });
    expect(result.status).toBe(0);
    for (const name of ["HOST", "PORT", "COPILOT_CLI_URL", "COPILOT_GATEWAY_DATA_DIR", "COPILOT_GITHUB_TOKEN", "COPILOT_PROVIDER_BASE_URL", "GATEWAY_API_KEYS", "GATEWAY_CORS_ORIGINS"]) {
      expect(result.stdout).toContain(name);
    }
  });

  it("rejects a bad value with one clear line and exit code 2", () => {
    const result = spawnSync(process.execPath, [...ENTRY], { encoding: "utf8", env: { ...process.env, PORT: "eighty" } });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("PORT");
  });

  it("stops at start on a mistake in the MCP server file, naming the server and field, and on a default grant it does not configure", () => {
    const dir = mkdtempSync(join(tmpdir(), "cgw-mcp-"));
    try {
      const file = join(dir, "mcp.json");
      writeFileSync(file, JSON.stringify({ mcpServers: { logs: { command: "logs-mcp" }, grafana: { url: "https://grafana.internal/mcp", headers: { authorization: "Bearer ${env:GRAFANA_TOKEN}" } } } }));
      const run = (env: Record<string, string>) => spawnSync(process.execPath, [...ENTRY], { encoding: "utf8", env: { ...process.env, GATEWAY_MCP_CONFIG: file, ...env } });
      const unset = run({});
      expect(unset.status).toBe(2);
      expect(unset.stderr.trim().split("\n")).toHaveLength(1);
      expect(unset.stderr).toContain('server "grafana" headers.authorization needs the environment variable GRAFANA_TOKEN');
      const unknown = run({ GRAFANA_TOKEN: "glsa_token_value", GATEWAY_MCP_DEFAULT_SERVERS: "logs,grafna" });
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toContain('GATEWAY_MCP_DEFAULT_SERVERS names "grafna"');
      expect(unknown.stderr).not.toContain("glsa_token_value");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Each test starts a gateway process (tsx compiling src/ first) and its runtime: ~5 s alone, but 24 s
// on a busy 2-core machine, where the test that starts two outlasted the default 30 s.
describe("a running gateway process", { timeout: 60_000 }, () => {
  it("prints one start-up line without secrets, serves, and on SIGTERM lets a stream finish and leaves no runtime behind", async () => {
    const gateway = await startGatewayProcess();
    expect(gateway.startLine).toContain("runtime: embedded");
    expect(gateway.startLine).toContain(`BYOK ${upstream.baseUrl}`);
    expect(gateway.startLine).not.toContain("provider-secret-value");

    const runtimePids = childPids(gateway.child.pid!);
    expect(runtimePids.length).toBeGreaterThan(0);

    upstream.respondInOrder({ steps: [{ text: "slow " }, { delayMs: 800 }, { text: "but complete" }] });
    const streaming = fetch(`${gateway.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(chatBody("hi", { stream: true })),
    });
    const response = await streaming;
    expect(response.status).toBe(200);
    gateway.child.kill("SIGTERM");
    const data = await readSseData(response);
    expect(data.at(-1)).toBe("[DONE]");
    const text = data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d).choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe("slow but complete");

    expect(await gateway.exited).toBe(0);
    expect(await waitUntil(() => runtimePids.every((pid) => !isAlive(pid)), 5_000)).toBe(true);
  });

  it("ends streams that outlast the grace period with an error frame, then exits", async () => {
    const gateway = await startGatewayProcess({ GATEWAY_SHUTDOWN_GRACE_SECONDS: "0.3" });
    upstream.respondInOrder({ steps: [{ text: "start" }, { delayMs: 20_000 }, { text: "never" }] });
    const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(chatBody("hi", { stream: true })),
    });
    const started = Date.now();
    gateway.child.kill("SIGTERM");
    const data = await readSseData(response);
    expect(data).not.toContain("[DONE]");
    expect(JSON.parse(data.at(-1)!).error).toMatchObject({ code: "shutting_down", type: "server_error" });
    expect(await gateway.exited).toBe(0);
    // The stream would run 20 s: well under that, with room for a busy machine.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("on SIGTERM stops accepting while a stream drains, and with nothing in flight exits at once, not after the grace period", async () => {
    const graceSeconds = 20;
    const gateway = await startGatewayProcess({ GATEWAY_SHUTDOWN_GRACE_SECONDS: String(graceSeconds) });
    upstream.respondInOrder({ steps: [{ text: "draining " }, { delayMs: 1_000 }, { text: "done" }] });
    const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", connection: "close" },
      body: JSON.stringify(chatBody("hi", { stream: true })),
    });
    const signalled = Date.now();
    gateway.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(fetch(`${gateway.baseUrl}/models`, { headers: { connection: "close" } })).rejects.toThrow();
    expect((await readSseData(response)).at(-1)).toBe("[DONE]");
    expect(await gateway.exited).toBe(0);
    // The stream took about a second; the grace period is only a ceiling: the gateway went once the stream
    // was over, not when the grace period ran out (however long stopping takes on a busy machine).
    expect(Date.now() - signalled).toBeLessThan(graceSeconds * 1000);

    const idle = await startGatewayProcess({ GATEWAY_SHUTDOWN_GRACE_SECONDS: String(graceSeconds) });
    const idleSignalled = Date.now();
    idle.child.kill("SIGTERM");
    expect(await idle.exited).toBe(0);
    expect(Date.now() - idleSignalled).toBeLessThan(graceSeconds * 1000);
  });

  it("leaves no orphaned runtime even when the gateway is killed outright", async () => {
    const gateway = await startGatewayProcess();
    const runtimePids = childPids(gateway.child.pid!);
    expect(runtimePids.length).toBeGreaterThan(0);
    gateway.child.kill("SIGKILL");
    await gateway.exited;
    expect(await waitUntil(() => runtimePids.every((pid) => !isAlive(pid)), 5_000)).toBe(true);
  });

  it("answers a request whose body stops arriving with 408 and closes it, while a slow answer streams on", async () => {
    const gateway = await startGatewayProcess({ GATEWAY_BODY_TIMEOUT_SECONDS: "2" });
    const { port, hostname } = new URL(gateway.origin);
    const socket = connect(Number(port), hostname);
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now())));
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    const began = Date.now();
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"model":`);
    // The deadline (2 s) plus Node's check interval (at most 2 s here), with room to spare; Node's own default would be 300 s.
    const at = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 15_000))]);
    expect(at).toBeGreaterThan(0);
    expect(at - began).toBeGreaterThanOrEqual(1_900);
    expect(received).toMatch(/^HTTP\/1\.1 408/);

    // The deadline covers the request's arrival only: an answer longer than it streams to the end.
    upstream.respondInOrder({ steps: [{ text: "slow" }, { delayMs: 3_000 }, { text: " but whole" }] });
    const response = await fetch(`${gateway.baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(chatBody("hi", { stream: true })) });
    const frames = await readSseData(response);
    expect(frames.at(-1)).toBe("[DONE]");
    expect(frames.join("")).toContain(" but whole");
  });
});
