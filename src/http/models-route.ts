// GET /models and /models/{id} in the OpenAI list format (contract B.10),
// with the Anthropic model-list fields beside it (type, display_name,
// created_at; has_more/first_id/last_id), which OpenAI clients ignore, so the
// Anthropic SDK's models.list() and Claude Code's model discovery read it too.
import { Hono } from "hono";
import type { Runtime } from "../runtime/runtime.js";
import { GatewayError } from "./errors.js";

/** `resolve` maps a client's model name to the served id (aliases, Claude Code names), as the chat routes do. */
export function modelsRoute(runtime: Runtime, resolve: (model: string) => Promise<string>): Hono {
  // OpenAI's `created` is a Unix time; the runtime gives none, so the gateway's start stands in.
  const created = Math.floor(Date.now() / 1000);
  const createdAt = new Date(created * 1000).toISOString();
  const toOpenAI = (entry: { id: string; ownedBy: string }) => ({
    id: entry.id,
    object: "model" as const,
    created,
    owned_by: entry.ownedBy,
    type: "model" as const,
    display_name: entry.id,
    created_at: createdAt,
  });
  const list = async () => {
    try {
      return await runtime.listModels();
    } catch (error) {
      throw new GatewayError({
        status: 503,
        code: "models_unavailable",
        message: `The model list could not be read from the Copilot runtime: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  };
  return new Hono({ strict: false })
    .get("/", async (c) => {
      const data = (await list()).map(toOpenAI);
      return c.json({ object: "list", data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
    })
    .get("/:id{.+}", async (c) => {
      const served = await resolve(c.req.param("id"));
      const entry = (await list()).find((model) => model.id === served);
      if (!entry) {
        throw new GatewayError({ status: 404, code: "model_not_found", param: "model", message: `The model \`${served}\` does not exist or you do not have access to it.` });
      }
      return c.json(toOpenAI(entry));
    });
}
