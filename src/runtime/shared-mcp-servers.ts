// The operator's stdio MCP servers, shared by every session of the embedded
// runtimes. Left to itself, the runtime starts a stdio server's process for
// each session it opens (~250 ms of CPU each, and a process per live
// session). Here each server runs once (shared-stdio-server.ts, on the
// official SDK's stdio client), and a session is given its tools as the
// SDK's handler tools (server-tool-handlers.ts), under the names the runtime
// would give them (`<server>-<tool>`) and within the server's allowlist.
//
// Handler tools, not an MCP server the runtime connects to: a session with
// an MCP server connected reloads that server's tools at every send (its
// `session.mcp_servers_loaded` and `session.tools_updated`), stdio or HTTP
// alike. Measured on one runtime, 13 tools of server-everything, the first
// token of a turn on a reused session: 6.8 ms with no tools, 11.9 ms (1.74×)
// with the server connected, 8.8 ms (1.29×) with its tools as handler tools,
// 8.3 ms (1.22×) with the same tools declared by a client.
//
// So a session's tools are the server's tools when the session opened: a
// change the server announces reaches the sessions opened after it.
import type { MCPServerConfig, MCPStdioServerConfig } from "@github/copilot-sdk";
import { serverHandlerTools, type SessionServerTools } from "./server-tool-handlers.js";
import { SharedStdioServer } from "./shared-stdio-server.js";

export interface SharedMcpServersOptions {
  /** The environment a stdio server starts in, under its own `env`: the embedded runtime's, as the runtime would give it. */
  env: Readonly<Record<string, string | undefined>>;
  /** Where a server without its own `workingDirectory` runs: the sessions' directory, as the runtime would run it. */
  workingDirectory: string;
}

/** The call bound of a server configured without one (the gateway always gives one; the SDK's default otherwise). */
const DEFAULT_CALL_TIMEOUT_MS = 60_000;

export class SharedMcpServers {
  /** Servers by what starts them: a name whose launch differs (another file, an agent's own) is another server. */
  private readonly servers = new Map<string, SharedStdioServer>();

  constructor(private readonly options: SharedMcpServersOptions) {}

  /**
   * What a session is given for `servers`: each shared stdio server's tools
   * as handler tools (its process started at its first use; a server that
   * does not start gives none, and says why in its listing); remote
   * servers, and a stdio server marked `shared: false`, as they are, for
   * the runtime to run. None is named like one of the client's tools.
   */
  async sessionTools(servers: Readonly<Record<string, MCPServerConfig>>, clientTools: ReadonlySet<string> = new Set(), signal?: AbortSignal): Promise<SessionServerTools> {
    const given: SessionServerTools = { tools: [], listings: new Map(), calledAs: new Map(), runtimeServers: {} };
    const shared = Object.entries(servers).filter((entry): entry is [string, MCPStdioServerConfig] => isSharedStdio(entry[1]));
    for (const [name, config] of Object.entries(servers)) if (!isSharedStdio(config)) given.runtimeServers[name] = config;
    const offered = await Promise.all(shared.map(([name, config]) => serverHandlerTools(name, this.server(name, config), config.tools, signal)));
    for (const server of offered) {
      given.listings.set(server.name, server.listing);
      for (const tool of server.tools) {
        // As with built-ins, a client's tool of the same name wins.
        if (given.calledAs.has(tool.name) || clientTools.has(tool.name)) continue;
        given.tools.push(tool);
        given.calledAs.set(tool.name, { server: server.name, tool: server.toolNames.get(tool.name)! });
      }
    }
    return given;
  }

  /** The processes of the servers running now. */
  serverPids(): number[] {
    return [...this.servers.values()].flatMap((server) => (server.pid === undefined ? [] : [server.pid]));
  }

  /** Stops every server's process; none starts again. */
  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((server) => server.close()));
  }

  private server(name: string, config: MCPStdioServerConfig): SharedStdioServer {
    const launch = {
      command: config.command,
      args: config.args ?? [],
      env: { ...definedOnly(this.options.env), ...config.env },
      cwd: config.workingDirectory ?? this.options.workingDirectory,
    };
    const timeout = config.timeout ?? DEFAULT_CALL_TIMEOUT_MS;
    const key = JSON.stringify([name, launch.command, launch.args, config.env ?? {}, launch.cwd, timeout]);
    let server = this.servers.get(key);
    if (!server) {
      server = new SharedStdioServer(name, launch, timeout);
      this.servers.set(key, server);
    }
    return server;
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
