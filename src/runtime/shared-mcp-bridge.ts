// The operator's stdio MCP servers, shared by every session of the embedded
// runtimes. Left to itself, the runtime starts a stdio server's process for
// each session it opens (~250 ms of CPU each, and a process per live
// session). Here each server runs once (shared-stdio-server.ts), and the
// sessions reach it as a streamable-HTTP MCP server on 127.0.0.1, under the
// same name and allowlist, so the tools, grants and permissions they see do
// not change. A random per-process token guards the port: no other local
// user or process can call the company's tools through it.
//
// Each session of the runtime is an MCP session of its own here (the
// official SDK's server transport), answered with the server's identity and
// forwarding `tools/list` and `tools/call`, the only methods the runtime
// calls: its sessions are offered no resources or prompts. When a server
// says its tools changed, every session is told.
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MCPServerConfig, MCPStdioServerConfig } from "@github/copilot-sdk";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, isInitializeRequest, ListToolsRequestSchema, type ServerResult } from "@modelcontextprotocol/sdk/types.js";
import { SharedStdioServer, type ServerIdentity } from "./shared-stdio-server.js";

export interface SharedMcpBridgeOptions {
  /** The environment a stdio server starts in, under its own `env`: the embedded runtime's, as the runtime would give it. */
  env: Readonly<Record<string, string | undefined>>;
  /** Where a server without its own `workingDirectory` runs: the sessions' directory, as the runtime would run it. */
  workingDirectory: string;
}

/** The call bound of a server configured without one (the gateway always gives one; the SDK's default otherwise). */
const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/** An initialize request is small; anything larger is not one. */
const MAX_INITIALIZE_BYTES = 1024 * 1024;
/** A session the runtime left without closing it (its runtime died) is forgotten after this long without a request or an open stream. */
const ABANDONED_SESSION_MS = 60 * 60_000;

interface BridgeSession {
  server: SharedStdioServer;
  transport: StreamableHTTPServerTransport;
  lastUsed: number;
  openStreams: number;
}

export class SharedMcpBridge {
  /** Servers by what starts them: a name whose launch differs (another file, an agent's own) is another server. */
  private readonly servers = new Map<string, { path: string; server: SharedStdioServer }>();
  private readonly byPath = new Map<string, SharedStdioServer>();
  private readonly sessions = new Map<string, BridgeSession>();
  private readonly sweeper: ReturnType<typeof setInterval>;

  private constructor(
    private readonly http: HttpServer,
    private readonly baseUrl: string,
    /** The bearer token sessions send, random per process. */
    private readonly token: string,
    private readonly options: SharedMcpBridgeOptions,
  ) {
    this.sweeper = setInterval(() => this.forgetAbandoned(), ABANDONED_SESSION_MS / 4).unref();
  }

  /** Listens on 127.0.0.1 (a free port); starts no server until a session uses it. */
  static async start(options: SharedMcpBridgeOptions): Promise<SharedMcpBridge> {
    let bridge: SharedMcpBridge | undefined;
    const http = createServer((req, res) => {
      bridge!.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    });
    http.on("clientError", (_error, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(0, "127.0.0.1", resolve);
    });
    const { port } = http.address() as AddressInfo;
    bridge = new SharedMcpBridge(http, `http://127.0.0.1:${port}`, randomBytes(32).toString("base64url"), options);
    return bridge;
  }

  /**
   * The servers as a session is given them: each stdio server as this
   * bridge's endpoint for it, with the same name, `tools` and `timeout`;
   * remote servers, and a stdio server marked `shared: false`, as they are.
   */
  sessionServers(servers: Readonly<Record<string, MCPServerConfig>>): Record<string, MCPServerConfig> {
    const given: Record<string, MCPServerConfig> = {};
    for (const [name, config] of Object.entries(servers)) given[name] = isSharedStdio(config) ? this.endpoint(name, config) : config;
    return given;
  }

  /** Stops every server's process and closes every session; the port closes. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const transports = [...this.sessions.values()].map((session) => session.transport);
    this.sessions.clear();
    await Promise.all(transports.map((transport) => transport.close().catch(() => undefined)));
    await Promise.all([...this.servers.values()].map(({ server }) => server.close()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private endpoint(name: string, config: MCPStdioServerConfig): MCPServerConfig {
    const launch = {
      command: config.command,
      args: config.args ?? [],
      env: { ...definedOnly(this.options.env), ...config.env },
      cwd: config.workingDirectory ?? this.options.workingDirectory,
    };
    const timeout = config.timeout ?? DEFAULT_CALL_TIMEOUT_MS;
    const key = JSON.stringify([name, launch.command, launch.args, config.env ?? {}, launch.cwd, timeout]);
    let entry = this.servers.get(key);
    if (!entry) {
      entry = { path: `/mcp/${this.servers.size + 1}`, server: new SharedStdioServer(name, launch, timeout) };
      this.servers.set(key, entry);
      this.byPath.set(entry.path, entry.server);
    }
    return {
      type: "http",
      url: `${this.baseUrl}${entry.path}`,
      headers: { authorization: `Bearer ${this.token}` },
      ...(config.tools ? { tools: config.tools } : {}),
      timeout,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.authorized(req.headers.authorization)) return void res.writeHead(401).end();
    const server = this.byPath.get(new URL(req.url ?? "/", this.baseUrl).pathname);
    if (!server) return void res.writeHead(404).end();
    const sessionId = req.headers["mcp-session-id"];
    if (typeof sessionId === "string") {
      const session = this.sessions.get(sessionId);
      // The SDK's answer to an unknown session: the runtime opens a new one.
      if (!session || session.server !== server) return void answerError(res, 404, null, -32001, "Session not found");
      session.lastUsed = Date.now();
      if (req.method === "GET") {
        session.openStreams++;
        res.once("close", () => session.openStreams--);
      }
      return session.transport.handleRequest(req, res);
    }
    // Without a session only `initialize` is answered (the runtime's `server/discover` first gets the 400 an SDK server gives it).
    if (req.method !== "POST") return void answerError(res, 400, null, -32000, "Bad Request: Mcp-Session-Id header is required");
    const body = await readJson(req);
    if (!isInitializeRequest(body)) return void answerError(res, 400, null, -32000, "Bad Request: Server not initialized");
    let identity: ServerIdentity;
    try {
      identity = await server.identity();
    } catch (error) {
      return void answerError(res, 502, (body as unknown as { id: string | number }).id, -32603, error instanceof Error ? error.message : String(error));
    }
    const transport = await this.openSession(server, identity);
    await transport.handleRequest(req, res, body);
  }

  /** A new MCP session on `server`, kept by its id once its `initialize` is answered. */
  private async openSession(shared: SharedStdioServer, identity: ServerIdentity): Promise<StreamableHTTPServerTransport> {
    const session = new Server(identity.info, { capabilities: { tools: { listChanged: true } }, ...(identity.instructions ? { instructions: identity.instructions } : {}) });
    session.setRequestHandler(ListToolsRequestSchema, (request, extra) => shared.request(request, extra.signal) as Promise<ServerResult>);
    session.setRequestHandler(CallToolRequestSchema, (request, extra) => shared.request(request, extra.signal) as Promise<ServerResult>);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      // One JSON answer per request: the runtime reads it with less work than an SSE stream.
      enableJsonResponse: true,
      onsessioninitialized: (id) => void this.sessions.set(id, { server: shared, transport, lastUsed: Date.now(), openStreams: 0 }),
    });
    const unsubscribe = shared.onToolListChanged(() => void session.sendToolListChanged().catch(() => undefined));
    session.onclose = () => {
      unsubscribe();
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    await session.connect(transport);
    return transport;
  }

  private authorized(header: string | undefined): boolean {
    const given = Buffer.from(header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : "", "utf8");
    const expected = Buffer.from(this.token, "utf8");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private forgetAbandoned(): void {
    const before = Date.now() - ABANDONED_SESSION_MS;
    for (const [id, session] of this.sessions) {
      if (session.openStreams > 0 || session.lastUsed > before) continue;
      this.sessions.delete(id);
      void session.transport.close().catch(() => undefined);
    }
  }
}

/** A stdio server the operator did not mark `shared: false` (a server that keeps state per connection). */
function isSharedStdio(config: MCPServerConfig): config is MCPStdioServerConfig {
  if (config.type === "http" || config.type === "sse" || !("command" in config)) return false;
  return (config as { shared?: unknown }).shared !== false;
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const defined: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) defined[name] = value;
  return defined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_INITIALIZE_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}

function answerError(res: ServerResponse, status: number, id: string | number | null, code: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } }));
}
