// The operator's MCP servers, as the gateway knows them once its
// configuration is read (mcp-config.ts), and which of them a caller's
// sessions get. The runtime starts and calls the servers itself; the
// gateway only decides which a session is given. Never on by default: a
// caller gets no server it was not granted.
import type { MCPServerConfig } from "@github/copilot-sdk";

/**
 * One configured server, in the SDK's own shape (stdio: command; remote:
 * url), with its tool allowlist as `tools`; `shared: false` keeps a stdio
 * server out of the one process all sessions share
 * (runtime/shared-mcp-servers.ts). The runtime ignores the field.
 */
export type McpServerConfig = MCPServerConfig & { shared?: boolean };

/** The servers the operator configured, by name. */
export type McpServers = ReadonlyMap<string, McpServerConfig>;

/** Grants are server names; `*` grants every configured server. */
export const ALL_SERVERS = "*";

/**
 * The configured servers a grant list names, in the SDK's shape, keyed by
 * name: what a session is created with. Names that are not configured are
 * skipped (a grant may outlive a server the operator removed).
 */
export function grantedServers(servers: McpServers, grants: readonly string[]): Record<string, McpServerConfig> {
  const all = grants.includes(ALL_SERVERS);
  const granted: Record<string, McpServerConfig> = {};
  for (const [name, config] of servers) if (all || grants.includes(name)) granted[name] = config;
  return granted;
}

/** Names in a grant list that no configured server has (`*` always has): a start-up error for the operator's own defaults. */
export function unknownServers(servers: McpServers, grants: readonly string[]): string[] {
  return grants.filter((name) => name !== ALL_SERVERS && !servers.has(name));
}

/**
 * What a session of a caller with `grants` is opened with: the granted
 * servers, each call bounded by the server's own `timeout` or else
 * `callTimeoutMs` (the runtime fails a call that runs longer, and the model
 * reads the failure). Empty when nothing is granted.
 */
export function sessionServers(servers: McpServers, grants: readonly string[], callTimeoutMs: number): Record<string, McpServerConfig> {
  return withCallTimeout(grantedServers(servers, grants), callTimeoutMs);
}

/** The servers, each call bounded by the server's own `timeout` or else `callTimeoutMs`. */
export function withCallTimeout(servers: Readonly<Record<string, McpServerConfig>>, callTimeoutMs: number): Record<string, McpServerConfig> {
  return Object.fromEntries(Object.entries(servers).map(([name, config]) => [name, { ...config, timeout: config.timeout ?? callTimeoutMs }]));
}
