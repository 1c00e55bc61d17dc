// The models the gateway serves, and which one a client's model name means:
// the runtime's list (a GitHub user's own, in github mode), then an exact id,
// the operator's alias table or the Claude Code naming rules
// (core/model-aliases.ts). Its failures are the client's errors: a name that
// fits nothing is a 404, a GitHub user Copilot refuses a 403.
import { GatewayError } from "../core/gateway-error.js";
import type { ModelEntry, Runtime } from "../runtime/runtime.js";
import type { Caller } from "../access/caller.js";
import { resolveModel } from "../core/model-aliases.js";

export class ModelCatalog {
  constructor(
    private readonly runtime: Runtime,
    /** Client model names → served model ids, on top of the built-in Claude Code name rules. */
    private readonly aliases?: ReadonlyMap<string, string>,
  ) {}

  /**
   * The served model id for the name a client sent (exactly, through the
   * alias table, or by the Claude Code naming rules); a 404
   * `model_not_found` when none fits.
   */
  async resolveModel(model: string, caller?: Pick<Caller, "gitHubToken">): Promise<string> {
    const models = await this.servedModels(caller?.gitHubToken);
    const resolved = resolveModel(
      model,
      models.map((entry) => entry.id),
      this.aliases,
    );
    if (resolved === undefined) {
      throw new GatewayError({
        status: 404,
        code: "model_not_found",
        param: "model",
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
      });
    }
    return resolved;
  }

  /** The models served; with a caller's GitHub token, those that identity may use. */
  async servedModels(gitHubToken?: string): Promise<ModelEntry[]> {
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
