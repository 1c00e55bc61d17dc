// POST /chat/completions: parse, start a turn, and answer it as SSE chunks or
// as one buffered chat.completion built from the very same events.
import { Hono } from "hono";
import type { AppEnv } from "../../http/env.js";
import type { InflightRequests } from "../../http/inflight.js";
import { readJsonBody } from "../../http/json-body.js";
import { sseResponse } from "../../http/sse.js";
import { holdForCommit } from "../../turns/commit-hold.js";
import type { TurnEvent } from "../../turns/events.js";
import type { TurnService } from "../../turns/turn-service.js";
import { collectChatCompletion } from "./json.js";
import { parseChatRequest } from "./parse.js";
import { createChatStreamEncoder, keepAliveFrame, type ChatResponseMeta } from "./stream.js";

export interface ChatRouteDeps {
  turns: TurnService;
  inflight: InflightRequests;
  keepAliveMs: number;
  /** False in strict mode: no reasoning fields in responses. */
  reasoning: boolean;
}

export function chatCompletionsRoute(deps: ChatRouteDeps): Hono<AppEnv> {
  return new Hono<AppEnv>({ strict: false }).post("/", async (c) => {
    const { turn: request, stream, includeUsage } = parseChatRequest(await readJsonBody(c.req.raw));
    // Aborted when the client goes away or the process shuts down.
    const abort = new AbortController();
    c.req.raw.signal.addEventListener("abort", () => abort.abort(), { once: true });
    const done = deps.inflight.begin((reason) => abort.abort(reason));
    const meta: ChatResponseMeta = {
      id: `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`,
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      includeUsage,
      reasoning: deps.reasoning,
    };
    const requestIdHeader = { "x-request-id": c.get("requestId") };
    try {
      const turn = await deps.turns.start(request, abort.signal, c.get("callerKey") ?? "");
      const sessionHeader = { "x-copilot-session-id": turn.sessionId };
      if (!stream) {
        const { body, usageReported } = await collectChatCompletion(turn, meta);
        done();
        return c.json(body, 200, { ...sessionHeader, ...(!usageReported ? { "x-gateway-usage-estimated": "true" } : {}) });
      }
      const { first, rest } = await holdForCommit(turn);
      // Failed before anything was sent: answer with a real status, not a 200 stream.
      if (first?.type === "error") throw first.error;
      const encoder = createChatStreamEncoder(meta);
      async function* frames(): AsyncGenerator<string> {
        // The role chunk and the first event go out in one write.
        yield encoder.start() + (first ? encoder.encode(first) : "");
        for (let next = await rest.next(); !next.done; next = await rest.next()) yield encoder.encode(next.value as TurnEvent);
        yield encoder.end();
      }
      return sseResponse(frames(), {
        keepAliveFrame: keepAliveFrame(),
        keepAliveMs: deps.keepAliveMs,
        headers: { ...requestIdHeader, ...sessionHeader },
        onCancel: () => abort.abort(),
        onClose: done,
      });
    } catch (error) {
      abort.abort();
      done();
      throw error;
    }
  });
}
