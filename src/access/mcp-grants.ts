// Which of the operator's MCP servers a caller is granted, as server names
// (`*`: all), for the tools layer to turn into a session's servers
// (grantedServers). Never on by default: a virtual key has only what it
// lists, and every other caller only what the operator grants them all.
import type { Caller } from "./caller.js";

/**
 * The server names a caller is granted: a virtual key's own `mcp_servers`
 * (its defaults are not added: a key lists all it gets), and `defaults`
 * (GATEWAY_MCP_DEFAULT_SERVERS) for every other caller: static keys, an
 * anonymous caller (auth none) and GitHub users. A key caller whose key was
 * not read gets none.
 */
export function mcpGrantsOf(caller: Partial<Pick<Caller, "kind" | "key">>, defaults: readonly string[]): readonly string[] {
  if (caller.kind === "key") return caller.key?.mcpServers ?? [];
  return defaults;
}
