// Real MCP servers for the server-side tools tests: the reference server
// @modelcontextprotocol/server-everything, started by the Copilot runtime
// over stdio as an operator's configured server would be, and scripts for
// the scripted model that call its tools.
import { spawn, spawnSync } from "node:child_process";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { McpServerConfig, McpServers } from "../../src/tools/mcp-servers.js";
import type { Script, UpstreamRequest } from "./upstream.js";

/** server-everything's entry point; with no argument it speaks stdio. */
export const EVERYTHING_BIN = fileURLToPath(new URL("../../node_modules/@modelcontextprotocol/server-everything/dist/index.js", import.meta.url));

/** server-everything as a stdio server, with `extra` settings (a `tools` allowlist, a `timeout`). */
export function everythingServer(extra: Partial<McpServerConfig> = {}): McpServerConfig {
  return { command: process.execPath, args: [EVERYTHING_BIN], ...extra } as McpServerConfig;
}

/** A server whose process exits at once, before the MCP handshake: its tools never exist. */
export const EXITING_SERVER: McpServerConfig = { command: process.execPath, args: ["-e", "process.exit(3)"] };

/**
 * server-everything behind a wrapper that dies (exit 7) when a message
 * holding `trigger` reaches it — by default the first tool call: a server
 * that crashes in the middle of a call.
 */
export function crashingOnCallServer(trigger = '"tools/call"'): McpServerConfig {
  const wrapper = [
    `const child = require("node:child_process").spawn(process.execPath, [${JSON.stringify(EVERYTHING_BIN)}], { stdio: ["pipe", "inherit", "inherit"] });`,
    `process.stdin.on("data", (chunk) => { if (chunk.includes(${JSON.stringify(trigger)})) { child.kill(); process.exit(7); } child.stdin.write(chunk); });`,
  ].join("\n");
  return { command: process.execPath, args: ["-e", wrapper] };
}

/**
 * A stdio server on the MCP SDK's own McpServer, with tools to watch what
 * reaches it: `add-tool` adds a tool `added` (the SDK then tells its clients
 * the tool list changed); `wait` runs until it is cancelled, and
 * `cancelled` says how many calls were.
 */
export function sdkToolServer(): McpServerConfig {
  const sdk = (path: string) => JSON.stringify(pathToFileURL(fileURLToPath(new URL(`../../node_modules/@modelcontextprotocol/sdk/dist/esm/${path}`, import.meta.url))).href);
  const script = [
    `const { McpServer } = await import(${sdk("server/mcp.js")});`,
    `const { StdioServerTransport } = await import(${sdk("server/stdio.js")});`,
    `const server = new McpServer({ name: "sdk-tool-server", version: "1" });`,
    `const text = (value) => ({ content: [{ type: "text", text: value }] });`,
    `server.registerTool("add-tool", { description: "Adds the tool added" }, async () => { server.registerTool("added", { description: "Added later" }, async () => text("added")); return text("ok"); });`,
    `let cancelled = 0;`,
    `server.registerTool("wait", { description: "Runs until cancelled" }, (extra) => new Promise((resolve) => extra.signal.addEventListener("abort", () => { cancelled++; resolve(text("cancelled")); })));`,
    `server.registerTool("cancelled", { description: "Calls cancelled so far" }, async () => text(String(cancelled)));`,
    `await server.connect(new StdioServerTransport());`,
  ].join("\n");
  return { command: process.execPath, args: ["--input-type=module", "-e", script] };
}

/** The server-everything processes running now (stdio ones, wrapped or not), with their parent: whoever started them. */
export function everythingProcesses(): Array<{ pid: number; parent: number }> {
  const out = spawnSync("ps", ["-ww", "-eo", "pid=,ppid=,args="], { encoding: "utf8" }).stdout;
  return out
    .split("\n")
    .filter((line) => line.includes(EVERYTHING_BIN) && !line.includes("streamableHttp"))
    .map((line) => line.trim().split(/\s+/))
    .map(([pid, parent]) => ({ pid: Number(pid), parent: Number(parent) }));
}

export function servers(entries: Record<string, McpServerConfig>): McpServers {
  return new Map(Object.entries(entries));
}

/** A model call that calls one tool (the model's name for it, e.g. `everything-echo`). */
export function toolCallScript(id: string, name: string, args: Record<string, unknown>): Script {
  return { steps: [{ toolCall: { id, name, arguments: JSON.stringify(args) } }], usage: { prompt_tokens: 10, completion_tokens: 5 } };
}

/** A model call that answers in text. */
export function answerScript(text: string): Script {
  return { steps: [{ text }], usage: { prompt_tokens: 20, completion_tokens: 2 } };
}

/** The tool names the model was offered in one call. */
export function offeredTools(request: UpstreamRequest): string[] {
  return (request.tools ?? []).map((tool) => tool.function.name);
}

/** The `tool` message the runtime sent the model for a call, if any. */
export function toolResultSent(request: UpstreamRequest, toolCallId: string): string | undefined {
  const message = request.messages.find((m) => m.role === "tool" && m.tool_call_id === toolCallId);
  return typeof message?.content === "string" ? message.content : undefined;
}

/** server-everything over its streamable HTTP transport, in its own process: `url` is its MCP endpoint. */
export async function startHttpEverything(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING_BIN, "streamableHttp"], { env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "ignore", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let said = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes("listening on port")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`server-everything (streamable HTTP) exited with ${code}: ${said}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill();
      await exited;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
