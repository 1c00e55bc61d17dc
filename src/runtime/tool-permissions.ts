// Which tools a session may run, as the runtime is told it twice: the names
// it offers the model (`availableTools`), and the answer to each permission
// request. Both come from the spec alone: the client's declared tools, and
// the tools of the MCP servers the caller was granted, within each server's
// allowlist. Everything else the runtime could do (shell, file writes, URL
// fetches) is refused, and the refusal reaches the model as a failed call.
import type { MCPServerConfig, PermissionHandler, PermissionRequest } from "@github/copilot-sdk";
import type { SessionSpec } from "./runtime.js";

const REFUSED = "Only the API client's declared tools and the gateway's granted MCP tools may run.";

/**
 * The `availableTools` patterns of the session's servers: `<server>/*`, or
 * one `<server>/<tool>` per tool of a server's allowlist (none for an empty
 * one). The client's own tools are listed by their bare names beside them.
 */
export function serverToolPatterns(servers: Readonly<Record<string, MCPServerConfig>> = {}): string[] {
  return Object.entries(servers).flatMap(([name, config]) => (allowsEveryTool(config.tools) ? [`${name}/*`] : (config.tools ?? []).map((tool) => `${name}/${tool}`)));
}

/**
 * The `excludedTools` patterns that keep a client's tool from being shadowed
 * by a server tool of the same name (`mcp:<name>`): left alone, the runtime
 * runs the server's under the client's name (seen with runtime 1.0.85).
 * As with built-ins, the client's tool wins.
 */
export function shadowedServerTools(spec: Pick<SessionSpec, "tools" | "mcpServers">): string[] {
  return spec.mcpServers && Object.keys(spec.mcpServers).length > 0 ? spec.tools.map((tool) => `mcp:${tool.name}`) : [];
}

/**
 * Approves exactly the client's declared tools (`custom-tool`) and the
 * granted servers' allowed tools (`mcp`); rejects every other request with
 * feedback the model reads. Read-only MCP tools never ask: the runtime runs
 * them without a request (seen with runtime 1.0.85), so `availableTools` is
 * what holds them in.
 */
export function toolPermissions(spec: Pick<SessionSpec, "tools" | "mcpServers">): PermissionHandler {
  const declared = new Set(spec.tools.map((tool) => tool.name));
  const servers = spec.mcpServers ?? {};
  return (request) => (allowed(request, declared, servers) ? { kind: "approve-once" } : { kind: "reject", feedback: REFUSED });
}

function allowed(request: PermissionRequest, declared: ReadonlySet<string>, servers: Readonly<Record<string, MCPServerConfig>>): boolean {
  if (request.kind === "custom-tool") return declared.has(request.toolName);
  if (request.kind !== "mcp" || !Object.hasOwn(servers, request.serverName)) return false;
  // The request names the tool as the model sees it, `<server>-<tool>`; an allowlist names the server's own tool.
  const prefix = `${request.serverName}-`;
  const tool = request.toolName.startsWith(prefix) ? request.toolName.slice(prefix.length) : request.toolName;
  return allowsTool(servers[request.serverName]!.tools, tool);
}

/** The SDK's rule for a server's `tools`: absent or `["*"]` is every tool, `[]` none. */
export function allowsEveryTool(allowlist: readonly string[] | undefined): boolean {
  return allowlist === undefined || allowlist.includes("*");
}

/** Whether a server's `tools` (the SDK's rule above) allows its tool `tool`. */
export function allowsTool(allowlist: readonly string[] | undefined, tool: string): boolean {
  return allowsEveryTool(allowlist) || (allowlist ?? []).includes(tool);
}

