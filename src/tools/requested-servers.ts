// The MCP servers a request names (Responses' `mcp` tools, Anthropic's
// `mcp_servers`), checked against what the operator allows: a configured
// server by its label, if the caller is granted it (else 403); a remote one
// by URL only when the URL falls under one of the operator's allowed
// prefixes (else 400, before any connection is made: the gateway must not
// become a way into the company's network). What passes becomes session
// servers in the SDK's shape, with the approval rule of each.
import { badRequest, GatewayError } from "../core/gateway-error.js";
import type { ApprovalRule, RequestedServer } from "../core/turn.js";
import { grantedServers, type McpServerConfig, type McpServers } from "./mcp-servers.js";

export interface RequestedServersPolicy {
  configured: McpServers;
  grants: readonly string[];
  /** URL prefixes a request may name a remote server under (GATEWAY_MCP_ALLOWED_URLS); none by default. */
  allowedUrls: readonly string[];
  callTimeoutMs: number;
}

export interface ResolvedServers {
  servers: Record<string, McpServerConfig>;
  /** The servers whose calls wait on the client's approval, by name (those asking for none are left out). */
  approvals: Record<string, ApprovalRule>;
}

export function resolveRequestedServers(requested: readonly RequestedServer[], policy: RequestedServersPolicy): ResolvedServers {
  const resolved: ResolvedServers = { servers: {}, approvals: {} };
  const granted = grantedServers(policy.configured, policy.grants);
  for (const server of requested) {
    const config = policy.configured.has(server.label) ? grantedServer(server, granted) : remoteServer(server, policy.allowedUrls);
    resolved.servers[server.label] = { ...config, timeout: config.timeout ?? policy.callTimeoutMs };
    if (asksApproval(server.approval)) resolved.approvals[server.label] = server.approval;
  }
  return resolved;
}

function grantedServer(server: RequestedServer, granted: Record<string, McpServerConfig>): McpServerConfig {
  const config = granted[server.label];
  if (!config) {
    throw new GatewayError({
      status: 403,
      param: `${server.param}.${server.labelField}`,
      code: "mcp_server_not_granted",
      message: `Invalid '${server.param}.${server.labelField}': this key is not granted the MCP server '${server.label}'. Ask the gateway's operator to add it to the key's mcp_servers.`,
    });
  }
  if (!server.allowedTools) return config;
  // The request can narrow the operator's allowlist, never widen it.
  const operatorTools = config.tools;
  const tools = operatorTools === undefined || operatorTools.includes("*") ? server.allowedTools : server.allowedTools.filter((tool) => operatorTools.includes(tool));
  return { ...config, tools };
}

function remoteServer(server: RequestedServer, allowedUrls: readonly string[]): McpServerConfig {
  const field = `${server.param}.${server.urlField}`;
  if (server.url === undefined) {
    throw badRequest(
      `Invalid '${server.param}.${server.labelField}': no MCP server named '${server.label}' is configured on this gateway, and no server URL was given.`,
      `${server.param}.${server.labelField}`,
      "invalid_value",
    );
  }
  if (!urlAllowed(server.url, allowedUrls)) {
    throw badRequest(
      `Invalid '${field}': this gateway does not connect to that URL; the operator allows remote MCP servers only under the prefixes in GATEWAY_MCP_ALLOWED_URLS${allowedUrls.length === 0 ? " (none are set)" : ""}.`,
      field,
      "mcp_server_url_not_allowed",
    );
  }
  return { type: "http", url: server.url, ...(server.headers ? { headers: server.headers } : {}), tools: server.allowedTools ?? ["*"] } as McpServerConfig;
}

/**
 * Whether `url` falls under one of the prefixes: an http(s) URL whose text
 * starts with a prefix that ends at a boundary, so `https://mcp.example.com`
 * does not allow `https://mcp.example.com.attacker.net/`.
 */
export function urlAllowed(url: string, prefixes: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return false;
  if (parsed.username || parsed.password) return false;
  const href = parsed.href;
  return prefixes.some((prefix) => {
    const normalised = normalisedPrefix(prefix);
    if (normalised === undefined || !href.startsWith(normalised)) return false;
    return normalised.endsWith("/") || href.length === normalised.length || "/?#".includes(href[normalised.length]!);
  });
}

/** A prefix as `URL` would write it (lower-case host, default port dropped), without the `/` `URL` adds to a bare origin. */
function normalisedPrefix(prefix: string): string | undefined {
  try {
    const href = new URL(prefix).href;
    return prefix.endsWith("/") || new URL(prefix).pathname !== "/" ? href : href.slice(0, -1);
  } catch {
    return undefined;
  }
}

function asksApproval(rule: ApprovalRule): boolean {
  return rule.default === "always" || rule.always.length > 0;
}
