// Reads the operator's MCP server file at start-up, so a mistake in it (or a
// default grant naming no server in it) stops the gateway with one line
// naming the server and field, instead of failing a caller's request later.
import { readFile } from "node:fs/promises";
import type { Config } from "../config/config.js";
import { McpConfigError, parseMcpConfig } from "../tools/mcp-config.js";
import { unknownServers, type McpServers } from "../tools/mcp-servers.js";

/** The configured servers (none without a file); throws McpConfigError for anything wrong with the file. */
export async function loadMcpServers(config: Pick<Config, "mcpConfigPath" | "mcpDefaultServers">, env: Readonly<Record<string, string | undefined>>): Promise<McpServers> {
  if (!config.mcpConfigPath) return new Map();
  let text: string;
  try {
    text = await readFile(config.mcpConfigPath, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new McpConfigError(`the MCP server file ${config.mcpConfigPath} could not be read (${reason})`);
  }
  const servers = parseMcpConfig(text, env, config.mcpConfigPath);
  const unknown = unknownServers(servers, config.mcpDefaultServers);
  if (unknown.length > 0) throw new McpConfigError(`GATEWAY_MCP_DEFAULT_SERVERS names ${unknown.map((name) => `"${name}"`).join(", ")}, which ${config.mcpConfigPath} does not configure`);
  return servers;
}
