// The models the gateway serves, and which one a client's model name means:
// the runtime's list (a GitHub user's own, in github mode), then an exact id,
// the operator's alias table or the Claude Code naming rules
// (core/model-aliases.ts). The operator's agents are served beside them as
// models of their own (tools/agents.ts), each running on a model of that
// list. Its failures are the client's errors: a name that fits nothing is a
// 404, a GitHub user Copilot refuses a 403.
import { GatewayError } from "../core/gateway-error.js";
import type { ModelEntry, Runtime } from "../runtime/runtime.js";
import type { Caller } from "../access/caller.js";
import { resolveModel } from "../core/model-aliases.js";
import { agentModelOf, type Agent, type AgentDirectory } from "../tools/agents.js";

/** A model as /v1/models lists it; an agent has a description and the name its file gives it. */
export interface ServedModel extends ModelEntry {
  description?: string;
  displayName?: string;
}

/** The agents served as models, and the model those without one of their own run on. */
export interface AgentModels {
  directory: AgentDirectory;
  /** A model name as clients send it; absent: the first model served. */
  defaultModel?: string;
}

export class ModelCatalog {
  constructor(
    private readonly runtime: Runtime,
    /** Client model names → served model ids, on top of the built-in Claude Code name rules. */
    private readonly aliases?: ReadonlyMap<string, string>,
    private readonly agents?: AgentModels,
  ) {}

  /**
   * The served model id for the name a client sent (an agent's id, exactly
   * or through the alias table; else a model's, exactly, through the alias
   * table, or by the Claude Code naming rules); a 404 `model_not_found`
   * when none fits.
   */
  async resolveModel(model: string, caller?: Pick<Caller, "gitHubToken">): Promise<string> {
    const agent = this.agentNamed(model);
    if (agent) return agent.id;
    const models = await this.runtimeModels(caller?.gitHubToken);
    const resolved = resolveModel(
      model,
      models.map((entry) => entry.id),
      this.aliases,
    );
    if (resolved === undefined) throw modelNotFound(`The model \`${model}\` does not exist or you do not have access to it.`);
    return resolved;
  }

  /** The agent a served model id is, if it is one. */
  agent(servedModel: string): Agent | undefined {
    return this.agents?.directory.get(servedModel);
  }

  /**
   * The model the agent runs on for this caller: the first of its file's
   * models this caller is served, or else the agents' default (the first
   * model served when none is set). A 404 naming the agent when none is.
   */
  async agentModel(agent: Agent, caller?: Pick<Caller, "gitHubToken">): Promise<string> {
    const available = (await this.runtimeModels(caller?.gitHubToken)).map((entry) => entry.id);
    const wanted = agent.models.length > 0 ? agent.models : this.agents?.defaultModel !== undefined ? [this.agents.defaultModel] : available.slice(0, 1);
    for (const name of wanted) {
      const model = agentModelOf(name, available, this.aliases);
      if (model !== undefined) return model;
    }
    throw modelNotFound(`The agent \`${agent.id}\` runs on ${wanted.join(", ") || "a model"}, which does not exist or you do not have access to it.`);
  }

  /** The models served, the agents among them; with a caller's GitHub token, those that identity may use. */
  async servedModels(gitHubToken?: string): Promise<ServedModel[]> {
    const agents = this.agents?.directory.list() ?? [];
    // An agent's id is never a model's (the loader refuses it); should a model list change under it, the agent is what the id means.
    const models = (await this.runtimeModels(gitHubToken)).filter((model) => !this.agent(model.id));
    return [...models, ...agents.map((agent) => ({ id: agent.id, ownedBy: "agent", description: agent.description, ...(agent.displayName ? { displayName: agent.displayName } : {}) }))];
  }

  /** An agent by its id, or by an alias whose target is its id. */
  private agentNamed(model: string): Agent | undefined {
    return this.agent(model) ?? this.agent(this.aliases?.get(model.toLowerCase()) ?? "");
  }

  /** The runtime's models; with a caller's GitHub token, those that identity may use. */
  private async runtimeModels(gitHubToken?: string): Promise<ModelEntry[]> {
    try {
      return await this.runtime.listModels(gitHubToken);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // Copilot refusing the caller's own token: they have no seat (or it lapsed), not a gateway outage.
      if (gitHubToken !== undefined && /\b(401|403)\b/.test(reason)) {
        throw new GatewayError({
          status: 403,
          code: "copilot_access_denied",
          message: "GitHub Copilot refused this GitHub user: the token needs a user with a Copilot seat (and, for a GitHub App token, the Copilot permission).",
          shouldRetry: false,
        });
      }
      throw new GatewayError({ status: 503, code: "models_unavailable", message: `The model list could not be read from the Copilot runtime: ${reason}` });
    }
  }
}

function modelNotFound(message: string): GatewayError {
  return new GatewayError({ status: 404, code: "model_not_found", param: "model", message });
}
