// GET /models and /models/{id} in the OpenAI list format (contract B.10),
// with the Anthropic model-list fields beside it (type, display_name,
// created_at; has_more/first_id/last_id), which OpenAI clients ignore, so the
// Anthropic SDK's models.list() and Claude Code's model discovery read it too.
import { Hono, type Context } from "hono";
import { ANONYMOUS } from "../access/caller.js";
import { keyAllowsModel } from "../access/turn-gate.js";
import type { ModelCatalog, ServedModel } from "../sessions/model-catalog.js";
import type { AppEnv } from "../pipeline/app-env.js";
import { GatewayError } from "../core/gateway-error.js";

export function modelsRoute(catalog: ModelCatalog): Hono<AppEnv> {
  // OpenAI's `created` is a Unix time; the runtime gives none, so the gateway's start stands in.
  const created = Math.floor(Date.now() / 1000);
  const createdAt = new Date(created * 1000).toISOString();
  const toOpenAI = (entry: ServedModel) => ({
    id: entry.id,
    object: "model" as const,
    created,
    owned_by: entry.ownedBy,
    type: "model" as const,
    display_name: entry.displayName ?? entry.id,
    created_at: createdAt,
    // An agent says what it does; clients show it beside the id (OpenAI's and Anthropic's parsers let it through).
    ...(entry.description ? { description: entry.description } : {}),
  });
  // What this caller may use: a GitHub user's own models, a key limited to some models only those.
  const visible = async (c: Context<AppEnv>) => {
    const caller = c.get("caller") ?? ANONYMOUS;
    return (await catalog.servedModels(caller.gitHubToken)).filter((model) => keyAllowsModel(caller, model.id));
  };
  return new Hono<AppEnv>({ strict: false })
    .get("/", async (c) => {
      const data = (await visible(c)).map(toOpenAI);
      return c.json({ object: "list", data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
    })
    .get("/:id{.+}", async (c) => {
      const served = await catalog.resolveModel(c.req.param("id"), c.get("caller"));
      const entry = (await visible(c)).find((model) => model.id === served);
      if (!entry) {
        throw new GatewayError({ status: 404, code: "model_not_found", param: "model", message: `The model \`${served}\` does not exist or you do not have access to it.` });
      }
      return c.json(toOpenAI(entry));
    });
}
