// The operator's stdio MCP servers, shared by every session of the embedded
// runtimes. Left to itself, the runtime starts a stdio server's process for
// each session it opens (~250 ms of CPU each, and a process per live
// session). Here each server runs once (shared-stdio-server.ts, on the
// official SDK's stdio client), and the sessions reach it as a
// streamable-HTTP MCP server on 127.0.0.1, under the same name and
// allowlist, so the tools, grants and permissions they see do not change. A
// random per-process token guards the port: no other local user or process
// can call the company's tools through it.
//
// The HTTP side answers what the runtime sends (seen on the wire, runtime
// 1.0.85): `server/discover` (refused, as an SDK server refuses it, so the
// runtime falls back to the 2025-11-25 handshake), `initialize`,
// `notifications/initialized`, the GET stream, `tools/list`, `tools/call`,
// `notifications/cancelled`, `ping`, and DELETE when the session ends. It is
// written here rather than with the SDK's server transport, which turns
// every request into a Web Request (through @hono/node-server) and
// validates it with zod: replaying the runtime's requests for a session
// cost that transport 5.8 ms of CPU against 1.8 ms for this (a busy 2-core
// machine), in the gateway's event loop, which serves every request.
// Sessions are offered tools only: the runtime's sessions use nothing else.
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MCPServerConfig, MCPStdioServerConfig } from "@github/copilot-sdk";
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import { SharedStdioServer } from "./shared-stdio-server.js";

export interface SharedMcpBridgeOptions {
  /** The environment a stdio server starts in, under its own `env`: the embedded runtime's, as the runtime would give it. */
  env: Readonly<Record<string, string | undefined>>;
  /** Where a server without its own `workingDirectory` runs: the sessions' directory, as the runtime would run it. */
  workingDirectory: string;
}

/** The call bound of a server configured without one (the gateway always gives one; the SDK's default otherwise). */
const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/** A tool call's arguments are the model's; more than this is no call. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** A session the runtime left without closing it (its runtime died) is forgotten after this long without a request or an open stream. */
const ABANDONED_SESSION_MS = 60 * 60_000;

type RequestId = string | number;
interface JsonRpcMessage {
  id?: RequestId;
  method?: string;
  params?: Record<string, unknown>;
}

interface BridgeSession {
  server: SharedStdioServer;
  lastUsed: number;
  /** GET streams, where notifications go. */
  streams: Set<ServerResponse>;
  /** Calls in flight, by the runtime's request id: a cancellation aborts one. */
  calls: Map<RequestId, AbortController>;
  unsubscribe: () => void;
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

  /** The processes of the servers running now. */
  serverPids(): number[] {
    return [...this.servers.values()].flatMap(({ server }) => (server.pid === undefined ? [] : [server.pid]));
  }

  /** Stops every server's process and closes every session; the port closes. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const id of [...this.sessions.keys()]) this.closeSession(id);
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
    const server = this.byPath.get((req.url ?? "/").split("?", 1)[0]!);
    if (!server) return void res.writeHead(404).end();
    const sessionId = req.headers["mcp-session-id"];
    const session = typeof sessionId === "string" ? this.sessions.get(sessionId) : undefined;
    // An unknown session is a 404, on which a client opens a new one.
    if (typeof sessionId === "string" && session?.server !== server) return void answer(res, 404, { id: null, error: { code: -32001, message: "Session not found" } });
    if (session) session.lastUsed = Date.now();
    if (req.method === "POST") return this.post(req, res, server, session);
    if (!session) return void answer(res, 400, { id: null, error: { code: -32000, message: "Bad Request: Mcp-Session-Id header is required" } });
    if (req.method === "GET") return void this.openStream(res, session);
    if (req.method === "DELETE") {
      this.closeSession(sessionId as string);
      return void res.writeHead(200).end();
    }
    res.writeHead(405, { allow: "GET, POST, DELETE" }).end();
  }

  private async post(req: IncomingMessage, res: ServerResponse, server: SharedStdioServer, session: BridgeSession | undefined): Promise<void> {
    const message = await readMessage(req);
    if (message === "too large") return void answer(res, 413, { id: null, error: { code: -32600, message: "Request too large" } });
    if (message === undefined) return void answer(res, 400, { id: null, error: { code: -32700, message: "Parse error: one JSON-RPC message per request" } });
    if (!session) {
      // `server/discover` too: the runtime then opens a 2025-11-25 session.
      if (message.method !== "initialize" || message.id === undefined) return void answer(res, 400, { id: null, error: { code: -32000, message: "Bad Request: Server not initialized" } });
      return this.initialize(res, server, message.id, message.params);
    }
    if (message.id === undefined || message.method === undefined) {
      // A notification, or an answer to a request this server never sends.
      if (message.method === "notifications/cancelled") session.calls.get(message.params?.requestId as RequestId)?.abort();
      return void res.writeHead(202).end();
    }
    const id = message.id;
    if (message.method === "ping") return void answer(res, 200, { id, result: {} });
    if (message.method !== "tools/list" && message.method !== "tools/call") return void answer(res, 200, { id, error: { code: -32601, message: `Method not found: ${message.method}` } });
    const call = new AbortController();
    session.calls.set(id, call);
    // The runtime gave up on the call (its timeout, an aborted turn): so does the server.
    res.once("close", () => {
      if (!res.writableFinished) call.abort();
    });
    try {
      const result = message.method === "tools/list" ? await server.listTools(message.params, call.signal) : await server.request({ method: message.method, ...(message.params ? { params: message.params } : {}) }, call.signal);
      answer(res, 200, { id, result });
    } catch (error) {
      const { code, message: text } = error as { code?: unknown; message?: string };
      answer(res, 200, { id, error: { code: typeof code === "number" ? code : -32603, message: text ?? "Internal error" } });
    } finally {
      session.calls.delete(id);
    }
  }

  /** Opens a session: the server is started if it does not run, and its name and instructions are the session's. */
  private async initialize(res: ServerResponse, server: SharedStdioServer, id: RequestId, params: Record<string, unknown> | undefined): Promise<void> {
    let identity;
    try {
      identity = await server.identity();
    } catch (error) {
      return void answer(res, 200, { id, error: { code: -32603, message: error instanceof Error ? error.message : String(error) } });
    }
    const sessionId = randomUUID();
    const session: BridgeSession = { server, lastUsed: Date.now(), streams: new Set(), calls: new Map(), unsubscribe: () => {} };
    session.unsubscribe = server.onToolListChanged(() => notify(session, "notifications/tools/list_changed"));
    this.sessions.set(sessionId, session);
    const asked = params?.protocolVersion;
    const protocolVersion = typeof asked === "string" && SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION;
    const result = { protocolVersion, capabilities: { tools: { listChanged: true } }, serverInfo: identity.info, ...(identity.instructions ? { instructions: identity.instructions } : {}) };
    answer(res, 200, { id, result }, { "mcp-session-id": sessionId });
  }

  /** The session's GET stream: server-sent events, where the server's notifications go. */
  private openStream(res: ServerResponse, session: BridgeSession): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    session.streams.add(res);
    res.once("close", () => session.streams.delete(res));
  }

  private closeSession(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    session.unsubscribe();
    for (const call of session.calls.values()) call.abort();
    for (const stream of session.streams) stream.end();
  }

  private authorized(header: string | undefined): boolean {
    const given = Buffer.from(header ?? "", "utf8");
    const expected = Buffer.from(`Bearer ${this.token}`, "utf8");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private forgetAbandoned(): void {
    const before = Date.now() - ABANDONED_SESSION_MS;
    for (const [id, session] of this.sessions) if (session.streams.size === 0 && session.lastUsed < before) this.closeSession(id);
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

/** One JSON-RPC message (a batch is not one: no protocol version the runtime speaks sends them). */
async function readMessage(req: IncomingMessage): Promise<JsonRpcMessage | "too large" | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_MESSAGE_BYTES) return "too large";
    chunks.push(chunk);
  }
  try {
    const message: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return typeof message === "object" && message !== null && !Array.isArray(message) ? (message as JsonRpcMessage) : undefined;
  } catch {
    return undefined;
  }
}

function answer(res: ServerResponse, status: number, body: { id: RequestId | null; result?: unknown; error?: { code: number; message: string } }, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify({ jsonrpc: "2.0", ...body });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers }).end(text);
}

function notify(session: BridgeSession, method: string): void {
  const event = `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", method })}\n\n`;
  for (const stream of session.streams) stream.write(event);
}
