// One of the operator's stdio MCP servers, run once for the whole gateway
// instead of once per session (shared-mcp-servers.ts gives its tools to the
// sessions). Its process is started at its first use and again at the first
// use after it exited, so a crash fails only the calls in flight. Every call
// is bounded by the server's call timeout: a hung server holds no call
// longer than the runtime would wait for it. Its tool list is asked for by
// every new session and changes only when the server says so (or restarts),
// so it is kept. The process starts at the first listing.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ErrorCode, McpError, ResultSchema, ToolListChangedNotificationSchema, type Result } from "@modelcontextprotocol/sdk/types.js";

/** How a stdio server is started: the operator's command, arguments, environment and directory. */
export interface StdioLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** The handshake of a server that is starting; a slow `npx -y` download is the usual reason for it to take long. */
const START_TIMEOUT_MS = 60_000;
/** After a failed start, sessions opened meanwhile fail at once instead of each starting the process again. */
const RETRY_AFTER_FAILED_START_MS = 2_000;

export class SharedStdioServer {
  private connection: Promise<Client> | undefined;
  /** The running server's client and its process, once it started. */
  private client: Client | undefined;
  private transport: StdioClientTransport | undefined;
  private failedStart: { at: number; error: Error } | undefined;
  /** The first page of the tool list of the running process, and how many times the server said its tools changed before it was asked for. */
  private toolList: { client: Client; result: Result } | undefined;
  private toolListChanges = 0;
  private closed = false;

  constructor(
    /** The server's name in the operator's file: errors name it. */
    readonly name: string,
    private readonly launch: StdioLaunch,
    /** Bounds one call; the runtime's own bound for the server is the same. */
    private readonly callTimeoutMs: number,
  ) {}

  /** The server's `tools/list` result for `params` (its process started if it does not run): the first page as the running process last gave it, other pages asked for. */
  async listTools(params: Record<string, unknown> | undefined, signal: AbortSignal): Promise<Result> {
    const client = await this.connected();
    const firstPage = params?.cursor === undefined;
    if (firstPage && this.toolList?.client === client) return this.toolList.result;
    const changes = this.toolListChanges;
    const result = await this.forward(client, { method: "tools/list", ...(params ? { params } : {}) }, signal);
    if (firstPage && changes === this.toolListChanges) this.toolList = { client, result };
    return result;
  }

  /** Forwards one request (`tools/call`) and returns the server's result as it gave it. `signal`: the session's cancellation. */
  async request(request: { method: string; params?: Record<string, unknown> }, signal: AbortSignal): Promise<Result> {
    return this.forward(await this.connected(), request, signal);
  }

  private async forward(client: Client, request: { method: string; params?: Record<string, unknown> }, signal: AbortSignal): Promise<Result> {
    try {
      return await client.request(request as never, ResultSchema, { signal, timeout: this.callTimeoutMs });
    } catch (error) {
      if (!(error instanceof McpError)) throw error;
      // The SDK's own words ("Connection closed") do not say whose connection.
      const message = error.code === ErrorCode.ConnectionClosed ? `the MCP server "${this.name}" closed the connection (its process exited) during the call` : withoutCodePrefix(error);
      // Passed on with the server's code; a plain Error, so its message reaches the session without the SDK's "MCP error N:" in front.
      throw Object.assign(new Error(message), { code: error.code, data: error.data });
    }
  }

  /** The server's process while it runs. */
  get pid(): number | undefined {
    return this.client ? (this.transport?.pid ?? undefined) : undefined;
  }

  /** Stops the process (stdin closed, then SIGTERM, then SIGKILL: the SDK's way), and starts none again. */
  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    await connection?.then((client) => client.close()).catch(() => undefined);
  }

  private connected(): Promise<Client> {
    if (this.closed) return Promise.reject(new Error(`the MCP server "${this.name}" is stopped`));
    if (this.connection) return this.connection;
    const failed = this.failedStart;
    if (failed && Date.now() - failed.at < RETRY_AFTER_FAILED_START_MS) return Promise.reject(failed.error);
    this.connection = this.start().catch((error: Error) => {
      this.failedStart = { at: Date.now(), error };
      this.connection = undefined;
      throw error;
    });
    return this.connection;
  }

  private async start(): Promise<Client> {
    const client = new Client({ name: "copilot-gateway", version: "1" }, { capabilities: {} });
    // Exited (or closed by us): the next use starts it again.
    client.onclose = () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.connection = undefined;
    };
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      this.toolListChanges++;
      this.toolList = undefined;
    });
    // Its output is its own and may carry its secrets: the gateway's log never gets it.
    const transport = new StdioClientTransport({ ...this.launch, stderr: "ignore" });
    try {
      await client.connect(transport, { timeout: START_TIMEOUT_MS });
      // It may have exited between its handshake and now.
      if (client.transport === undefined) throw new Error("its process exited after the handshake");
      if (this.closed) throw new Error("the gateway is stopping");
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new Error(`the MCP server "${this.name}" did not start: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.client = client;
    this.transport = transport;
    this.failedStart = undefined;
    return client;
  }
}

/** An McpError's message as it was given: the SDK writes "MCP error <code>: " in front of it. */
function withoutCodePrefix(error: McpError): string {
  const prefix = `MCP error ${error.code}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}
