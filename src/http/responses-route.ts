// POST /responses: parse, resolve `previous_response_id`, start a turn, and
// answer it as Responses SSE events or as one buffered `response` object built
// from the very same events; then keep the conversation so the next request
// can chain to it. GET /responses/:id returns a kept response. The store is
// handed in (the database in the process), and every use of it is awaited.
//
// Serves Codex CLI (`wire_api = "responses"`), OpenHands for `gpt-5*` ids, the
// Vercel AI SDK's default `openai(id)` and openai-node's `client.responses`
// (contract B.11 #63/#64).
import { Hono } from "hono";
import type { AppEnv } from "../pipeline/app-env.js";
import { GatewayError } from "../core/gateway-error.js";
import type { Logger } from "../core/logger.js";
import { readJsonBody } from "./json-body.js";
import { answerTurn, type TurnRouteDeps } from "../pipeline/answer-turn.js";
import type { ApprovalRequest, ConversationMessage, ToolCall } from "../core/turn.js";
import { argumentsFromInput } from "../dialects/responses/custom-tools.js";
import type { RequestLimits } from "../core/request-limits.js";
import { collectResponse } from "../dialects/responses/json.js";
import { chainTurn, parseResponsesRequest } from "../dialects/responses/parse.js";
import { newId, type OutputItem, type ResponseMeta, type ResponseObject } from "../dialects/responses/response-object.js";
import type { ResponseStore } from "../dialects/responses/response-store.js";
import type { ToolRoutes } from "../dialects/responses/tool-routes.js";
import { keepAliveFrame, ResponsesStreamEncoder } from "../dialects/responses/stream.js";

export interface ResponsesRouteDeps extends TurnRouteDeps {
  store: ResponseStore;
  logger?: Logger;
  /** What one request may ask of the runtime; DEFAULT_LIMITS when absent. */
  limits?: RequestLimits;
}

export function responsesRoute(deps: ResponsesRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });

  app.post("/", async (c) => {
    const caller = c.get("caller")?.partition ?? "";
    const body = await readJsonBody(c);
    const items = await referencedItems(deps.store, body, caller);
    const parsed = parseResponsesRequest(body, { resolveItem: (id) => items.get(id), ...(deps.limits ? { limits: deps.limits } : {}) });
    const previous = await previousConversation(deps.store, parsed.previousResponseId, caller);
    const request = previous.length > 0 ? chainTurn(parsed, previous) : parsed.turn;
    const meta: ResponseMeta = {
      id: newId("resp"),
      createdAt: Math.floor(Date.now() / 1000),
      echo: parsed.echo,
      reasoning: parsed.reasoningSummary,
      toolRoutes: parsed.toolRoutes,
      itemId: newId,
    };
    /**
     * Keeps what the client now holds, before the client can see the response
     * is over and chain to it. A store that fails costs the client only the
     * chaining (a later 404 that asks for the whole conversation), never the
     * answer it already has: the failure is logged, not passed on.
     */
    const remember = async (response: ResponseObject): Promise<void> => {
      if (!parsed.store || response.status === "failed") return;
      const conversation = [...previous, ...parsed.input, answerOf(response, parsed.toolRoutes)];
      await deps.store.put(response.id, { caller, conversation, response }).catch((error: unknown) => {
        deps.logger?.warn("response not kept: the store failed", { id: c.get("requestId"), reason: error instanceof Error ? error.message : String(error) });
      });
    };
    return answerTurn(c, deps, {
      dialect: "responses",
      request,
      stream: parsed.stream,
      keepAliveFrame: keepAliveFrame(),
      collect: async (events) => {
        const collected = await collectResponse(events, meta);
        await remember(collected.body);
        return collected;
      },
      createEncoder: () => {
        const encoder = new ResponsesStreamEncoder(meta);
        return {
          start: () => encoder.start(),
          encode: (event) => {
            const frames = encoder.encode(event);
            // The terminal frames wait until the response is kept.
            if (encoder.settled && event.type === "finish") return remember(encoder.response()).then(() => frames);
            return frames;
          },
          end: () => encoder.end(),
        };
      },
    });
  });

  // openai-node's `responses.retrieve(id)`; only responses kept for this caller.
  app.get("/:id", async (c) => {
    const id = c.req.param("id");
    const stored = await deps.store.get(id, c.get("caller")?.partition ?? "");
    if (!stored) {
      throw new GatewayError({ status: 404, code: "response_not_found", message: `Response with id '${id}' not found.` });
    }
    return c.json(stored.response);
  });

  return app;
}

/**
 * The items the input's `item_reference`s name, looked up before parsing (which is
 * synchronous); an id missing from the map is parsing's 404.
 */
async function referencedItems(store: ResponseStore, body: unknown, caller: string): Promise<Map<string, OutputItem>> {
  const input = typeof body === "object" && body !== null ? (body as { input?: unknown }).input : undefined;
  const ids = new Set<string>();
  if (Array.isArray(input)) {
    for (const item of input as unknown[]) {
      const { type, id } = (typeof item === "object" && item !== null ? item : {}) as { type?: unknown; id?: unknown };
      if (type === "item_reference" && typeof id === "string") ids.add(id);
    }
  }
  const found = new Map<string, OutputItem>();
  await Promise.all(
    [...ids].map(async (id) => {
      const item = await store.item(id, caller);
      if (item !== undefined) found.set(id, item);
    }),
  );
  return found;
}

async function previousConversation(store: ResponseStore, id: string | undefined, caller: string): Promise<readonly ConversationMessage[]> {
  if (id === undefined) return [];
  const stored = await store.get(id, caller);
  if (!stored) {
    throw new GatewayError({
      status: 404,
      param: "previous_response_id",
      code: "previous_response_not_found",
      message: `Previous response with id '${id}' not found. The gateway keeps responses for a limited time after their last use, for the caller that created them, and only when 'store' was not false; resend the whole conversation in 'input' instead.`,
    });
  }
  return stored.conversation;
}

/** The assistant message the client now holds: the answer's text and calls (under the names the model called), as the ledger records them. */
function answerOf(response: ResponseObject, routes: ToolRoutes): ConversationMessage {
  let text = "";
  const toolCalls: ToolCall[] = [];
  const approvals: ApprovalRequest[] = [];
  for (const item of response.output) {
    if (item.type === "message") text += item.content.map((part) => part.text).join("");
    else if (item.type === "function_call") toolCalls.push({ id: item.call_id, name: routes.offeredName(item.name, item.namespace), arguments: item.arguments });
    else if (item.type === "custom_tool_call") toolCalls.push({ id: item.call_id, name: routes.offeredName(item.name, item.namespace), arguments: argumentsFromInput(item.input) });
    else if (item.type === "tool_search_call") toolCalls.push({ id: item.call_id, name: routes.offeredName("tool_search"), arguments: JSON.stringify(item.arguments) });
    else if (item.type === "mcp_approval_request") approvals.push({ id: item.id, server: item.server_label, tool: item.name, arguments: item.arguments });
  }
  return { role: "assistant", text, toolCalls, ...(approvals.length > 0 ? { approvals } : {}) };
}
