// Reads the operator's agents directory (GATEWAY_AGENTS_DIR) at start-up and
// again on SIGHUP: every `*.agent.md` directly in it, each checked against
// the configured MCP servers and the models the gateway serves, so a mistake
// names the file and the field instead of failing a caller's request later.
// At start a mistake stops the gateway; on SIGHUP it is logged and the agents
// served go on as they were.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config/config.js";
import type { Logger } from "../core/logger.js";
import type { ModelEntry } from "../runtime/runtime.js";
import { AgentFileError, agentIdOf, parseAgentFile } from "../tools/agent-file.js";
import { agentModelProblem, agentOf, type Agent, type AgentDirectory } from "../tools/agents.js";
import type { McpServers } from "../tools/mcp-servers.js";

export interface AgentsSetup {
  config: Pick<Config, "agentsDir" | "agentsDefaultModel" | "modelAliases">;
  env: Readonly<Record<string, string | undefined>>;
  servers: McpServers;
  logger: Logger;
}

/**
 * The agents of the directory's files, in file name order, but for those
 * only other agents may call (`user-invocable: false`); none without a
 * directory. Throws AgentFileError naming the file and field.
 */
export async function readAgentsDir({ config, env, servers, logger }: AgentsSetup): Promise<Agent[]> {
  const dir = config.agentsDir;
  if (!dir) return [];
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((entry) => !entry.isDirectory() && agentIdOf(entry.name) !== undefined).map((entry) => entry.name);
  } catch (error) {
    throw new AgentFileError(`the agents directory ${dir} could not be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const agents: Agent[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new AgentFileError(`${path} could not be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    const file = parseAgentFile(text, name, path, env);
    if (!file.userInvocable) {
      logger.info("agent not served: its file says user-invocable: false", { agent: file.id });
      continue;
    }
    const agent = agentOf(file, servers);
    if (agent.ignoredTools.length > 0) logger.warn("agent tools left out: they name no server (or no tool of one) the gateway has", { agent: agent.id, tools: agent.ignoredTools });
    agents.push(agent);
  }
  return agents;
}

/**
 * What is wrong with serving the agents beside the runtime's models (an id
 * that is a model's, a model that is not served), in one line; undefined
 * when nothing is. A runtime that cannot list its models (github mode
 * without a token of the gateway's own) leaves them unchecked, logged: each
 * caller's own list decides then.
 */
export async function servedModelProblem(agents: readonly Agent[], listModels: () => Promise<ModelEntry[]>, { config, logger }: Pick<AgentsSetup, "config" | "logger">): Promise<string | undefined> {
  if (agents.length === 0) return undefined;
  let available: string[];
  try {
    available = (await listModels()).map((model) => model.id);
  } catch (error) {
    logger.warn("agents not checked against the models served: the model list could not be read", { reason: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
  return agentModelProblem(agents, available, {
    aliases: config.modelAliases,
    ...(config.agentsDefaultModel ? { defaultModel: { name: config.agentsDefaultModel, setting: "GATEWAY_AGENTS_DEFAULT_MODEL (--agents-default-model)" } } : {}),
  });
}

/**
 * Reads the directory again on SIGHUP and, when all of it is right,
 * serves its agents instead; otherwise logs why and keeps the agents served.
 * Conversations already held with a changed agent are not continued: their
 * next request opens a session of the agent as it is now.
 */
export function reloadAgentsOnHangup(directory: AgentDirectory, setup: AgentsSetup, listModels: () => Promise<ModelEntry[]>): void {
  let reloading = Promise.resolve();
  process.on("SIGHUP", () => {
    reloading = reloading.then(async () => {
      const { logger } = setup;
      try {
        const agents = await readAgentsDir(setup);
        const problem = await servedModelProblem(agents, listModels, setup);
        if (problem) throw new AgentFileError(problem);
        directory.replace(agents);
        logger.info("agents reloaded", { agents: agents.map((agent) => agent.id) });
      } catch (error) {
        logger.error("agents not reloaded: the agents served stay as they were", { reason: error instanceof Error ? error.message : String(error), agents: directory.list().map((agent) => agent.id) });
      }
    });
  });
}
