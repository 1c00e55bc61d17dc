// POST /messages and POST /messages/count_tokens for Claude Code and the
// Anthropic SDK (contract B.13). Parse, start a turn, and answer it as
// Anthropic SSE events or as one buffered message built from the very same
// events. Query strings (`?beta=true`) and the `anthropic-version` /
// `anthropic-beta` headers are not read, so any value passes (B.13 #69/#70).
import { Hono } from "hono";
import type { AppEnv } from "../pipeline/app-env.js";
import { GatewayError } from "../core/gateway-error.js";
import { readJsonBody } from "./json-body.js";
import type { Logger } from "../core/logger.js";
import { answerTurn, type TurnRouteDeps } from "../pipeline/answer-turn.js";
import type { RequestLimits } from "../core/request-limits.js";
import { estimateInputTokens } from "../dialects/anthropic/count-tokens.js";
import { anthropicErrorHandler } from "./anthropic-errors.js";
import { collectMessage } from "../dialects/anthropic/json.js";
import { parseMessagesRequest } from "../dialects/anthropic/parse.js";
import { AnthropicStreamEncoder, pingFrame, type MessageMeta } from "../dialects/anthropic/stream.js";

export interface MessagesRouteDeps extends TurnRouteDeps {
  /** Where unexpected failures are logged; silent when absent. */
  logger?: Logger;
  /** What one request may ask of the runtime; DEFAULT_LIMITS when absent. */
  limits?: RequestLimits;
}

/** Mount at `/messages` under the API sub-app (so it serves `/v1/messages` and `/messages`). */
export function messagesRoute(deps: MessagesRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  // Every error of this sub-app leaves in the Anthropic shape, whatever the app's own onError does.
  app.onError(anthropicErrorHandler(deps.logger));

  const parseOptions = deps.limits ? { limits: deps.limits } : {};
  app.post("/", async (c) => {
    const { turn: request, stream, thinking } = parseMessagesRequest(await readJsonBody(c), parseOptions);
    const meta: MessageMeta = {
      id: `msg_${crypto.randomUUID().replaceAll("-", "")}`,
      model: request.model,
      thinking,
      inputTokens: estimateInputTokens(request),
    };
    return answerTurn(c, deps, {
      dialect: "messages",
      request,
      stream,
      // Claude Code and the Anthropic SDK expect Anthropic's own keep-alive event.
      keepAliveFrame: pingFrame(),
      collect: (events) => collectMessage(events, meta),
      createEncoder: () => new AnthropicStreamEncoder(meta),
      // message_start must carry input tokens before the model has counted them: the gateway's
      // estimate, said so here; message_delta then carries the counted usage, the same as a JSON body's.
      streamHeaders: { "x-gateway-usage-estimated": "message_start" },
    });
  });

  // The same body as /messages (minus max_tokens); the model is not checked: the estimate does not depend on it.
  app.post("/count_tokens", async (c) => {
    const { turn } = parseMessagesRequest(await readJsonBody(c), parseOptions);
    return c.json({ input_tokens: estimateInputTokens(turn) });
  });

  // Anything else under /messages is answered here, in the Anthropic shape, rather than by the app's OpenAI-shaped 404.
  app.all("*", (c) => {
    throw new GatewayError({ status: 404, code: "unknown_url", message: `Invalid URL (${c.req.method} ${c.req.path})` });
  });
  return app;
}
