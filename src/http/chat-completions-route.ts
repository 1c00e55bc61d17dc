// POST /chat/completions: parse, start a turn, and answer it as SSE chunks or
// as one buffered chat.completion built from the very same events.
import { Hono } from "hono";
import type { AppEnv } from "../pipeline/app-env.js";
import { readJsonBody } from "./json-body.js";
import { answerTurn, type TurnRouteDeps } from "../pipeline/answer-turn.js";
import type { RequestLimits } from "../core/request-limits.js";
import { collectChatCompletion } from "../dialects/openai-chat/json.js";
import { parseChatRequest } from "../dialects/openai-chat/parse.js";
import { createChatStreamEncoder, keepAliveFrame, type ChatResponseMeta } from "../dialects/openai-chat/stream.js";

export interface ChatRouteDeps extends TurnRouteDeps {
  /** False in strict mode: no reasoning fields in responses. */
  reasoning: boolean;
  /** What one request may ask of the runtime; DEFAULT_LIMITS when absent. */
  limits?: RequestLimits;
}

export function chatCompletionsRoute(deps: ChatRouteDeps): Hono<AppEnv> {
  return new Hono<AppEnv>({ strict: false }).post("/", async (c) => {
    const { turn: request, stream, includeUsage } = parseChatRequest(await readJsonBody(c), deps.limits ? { limits: deps.limits } : {});
    const meta: ChatResponseMeta = {
      id: `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`,
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      includeUsage,
      reasoning: deps.reasoning,
    };
    return answerTurn(c, deps, {
      dialect: "chat_completions",
      request,
      stream,
      keepAliveFrame: keepAliveFrame(),
      collect: (events) => collectChatCompletion(events, meta),
      createEncoder: () => createChatStreamEncoder(meta),
    });
  });
}
