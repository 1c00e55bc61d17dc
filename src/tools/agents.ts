// The operator's agents (GATEWAY_AGENTS_DIR): each agent file served as a
// model whose sessions run as the SDK's custom agent, with its prompt and
// its tools. An agent's `tools` name the servers it uses — the operator's
// configured ones (`grafana/*`, `grafana/query_prometheus`) and those its
// file defines under `mcp-servers` — and those servers are granted to
// whoever may use the agent (a key's model list decides that), whatever the
// caller's own grants. Names that are no server's (`read`, `edit`, a server
// the gateway does not have) are left out, as GitHub ignores tool names a
// product does not know; the loader logs them.
import { resolveModel } from "../core/model-aliases.js";
import { allowsEveryTool, allowsTool } from "../runtime/tool-permissions.js";
import { AgentFileError, type AgentFile } from "./agent-file.js";
import type { McpServerConfig, McpServers } from "./mcp-servers.js";

export interface Agent {
  id: string;
  source: string;
  displayName?: string;
  description: string;
  prompt: string;
  /** The models the file asks for, best first; none: the agents' default model. */
  models: string[];
  /** The servers every session of the agent gets, each narrowed to the tools the agent names. */
  servers: Record<string, McpServerConfig>;
  /** `tools` absent or `*`: every tool the agent can be given, its caller's granted servers too. */
  everyTool: boolean;
  /** Entries of `tools` that name no tool the gateway can give (built-in aliases, unknown servers). */
  ignoredTools: string[];
}

/**
 * The agent a file describes, its tools resolved against the operator's
 * servers. A server the file defines with the name of a configured one is
 * an error naming the file: which of the two it means cannot be told.
 */
export function agentOf(file: AgentFile, configured: McpServers): Agent {
  for (const name of file.servers.keys()) {
    if (configured.has(name)) throw new AgentFileError(`${file.source}: mcp-servers "${name}" has the name of a server of the MCP server file; rename it, or leave it out and name the configured one in tools (${name}/*).`);
  }
  const everyTool = file.tools === undefined || file.tools.includes("*");
  const servers: Record<string, McpServerConfig> = {};
  const ignoredTools: string[] = [];
  if (everyTool) for (const [name, config] of file.servers) servers[name] = config;
  for (const entry of everyTool ? [] : file.tools!) {
    const slash = entry.indexOf("/");
    const name = entry.slice(0, slash);
    const tool = entry.slice(slash + 1);
    const config = slash > 0 && tool !== "" ? (file.servers.get(name) ?? configured.get(name)) : undefined;
    if (!config || !serverAllows(config, tool)) {
      ignoredTools.push(entry);
      continue;
    }
    servers[name] = narrowed(servers[name] ?? { ...config, tools: [] }, config, tool);
  }
  return {
    id: file.id,
    source: file.source,
    ...(file.displayName ? { displayName: file.displayName } : {}),
    description: file.description,
    prompt: file.prompt,
    models: file.models,
    servers,
    everyTool,
    ignoredTools,
  };
}

/** A server's allowlist (the operator's or the agent file's own) admits the tool; `*` asks for all it admits. */
function serverAllows(config: McpServerConfig, tool: string): boolean {
  return tool === "*" || allowsTool(config.tools, tool);
}

/** `so far` with `tool` added: `*` gives back the server's own allowlist, whole. */
function narrowed(soFar: McpServerConfig, config: McpServerConfig, tool: string): McpServerConfig {
  if (tool === "*" || allowsEveryTool(soFar.tools)) return { ...soFar, tools: config.tools ?? ["*"] };
  return { ...soFar, tools: [...new Set([...(soFar.tools ?? []), tool])] };
}

/**
 * The servers a session of the agent gets: its own (above), and with
 * `everyTool` those `granted` to the caller as well.
 */
export function agentServers(agent: Agent, granted: Readonly<Record<string, McpServerConfig>>): Record<string, McpServerConfig> {
  return agent.everyTool ? { ...granted, ...agent.servers } : { ...agent.servers };
}

/**
 * The served model `name` means, as an agent file writes it: a model id or
 * alias as clients send them, or a display name such as GitHub's
 * `Claude Sonnet 4.5` or VS Code's `GPT-4.1 (copilot)`.
 */
export function agentModelOf(name: string, available: readonly string[], aliases?: ReadonlyMap<string, string>): string | undefined {
  const asId = name.replace(/\s*\([^)]*\)\s*$/, "").trim().toLowerCase().replace(/\s+/g, "-");
  return resolveModel(name, available, aliases) ?? resolveModel(asId, available, aliases);
}

/**
 * What is wrong with serving `agents` beside `available` models, in one line
 * naming the file: an id that is a served model's, or a `model` (or, for
 * agents without one, the default) that is no served model. Undefined when
 * nothing is.
 */
export function agentModelProblem(
  agents: readonly Agent[],
  available: readonly string[],
  options: { aliases?: ReadonlyMap<string, string>; defaultModel?: { name: string; setting: string } },
): string | undefined {
  for (const agent of agents) {
    if (available.includes(agent.id)) return `${agent.source}: the agent's id "${agent.id}" is a model the gateway serves already; rename the file (its name is the id clients ask for).`;
    if (agent.models.length > 0 && !agent.models.some((model) => agentModelOf(model, available, options.aliases))) {
      return `${agent.source}: front matter "model" ${agent.models.join(", ")} is no model the gateway serves (it serves ${available.join(", ") || "none"}).`;
    }
  }
  const { defaultModel } = options;
  const needsDefault = agents.some((agent) => agent.models.length === 0);
  if (needsDefault && defaultModel && !agentModelOf(defaultModel.name, available, options.aliases)) {
    return `${defaultModel.setting} ${defaultModel.name} is no model the gateway serves (it serves ${available.join(", ") || "none"}).`;
  }
  if (needsDefault && !defaultModel && available.length === 0) return "the agents without a model need one to run on, and the gateway serves none.";
  return undefined;
}

/** The agents served now; the entry replaces them all at once when it reloads the directory. */
export class AgentDirectory {
  private byId: ReadonlyMap<string, Agent> = new Map();

  constructor(agents: readonly Agent[] = []) {
    this.replace(agents);
  }

  get(id: string): Agent | undefined {
    return this.byId.get(id);
  }

  list(): Agent[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }

  replace(agents: readonly Agent[]): void {
    this.byId = new Map(agents.map((agent) => [agent.id, agent]));
  }
}
