// The /messages routes without a runtime: a scripted ConversationService behind an
// app assembled the way http/app.ts assembles its API (API-key check and body limit
// on an `api` sub-app mounted at /v1 and /, an OpenAI-shaped app onError).
// Pins that every error leaves in the Anthropic shape (B.13 #79), the commit
// hold (a failure before the first event is a real status), and #69/#70.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { describe, expect, it } from "vitest";
import { anthropicErrors } from "../../src/http/anthropic-errors.js";
import { messagesRoute } from "../../src/http/messages-route.js";
import type { Caller } from "../../src/access/caller.js";
import { authenticate } from "../../src/http/auth.js";
import type { AppEnv } from "../../src/pipeline/app-env.js";
import { GatewayError } from "../../src/core/gateway-error.js";
import { InflightRequests } from "../../src/pipeline/inflight.js";
import type { TurnEvent, TurnRequest } from "../../src/core/turn.js";
import type { ConversationService } from "../../src/sessions/conversation-service.js";

type Script = TurnEvent[] | GatewayError | Error;

/** Answers every turn with `script`; records what it was asked. */
function scriptedTurns(script: () => Script) {
  const seen: { request: TurnRequest; caller: Pick<Caller, "partition"> }[] = [];
  const turns = {
    async start(request: TurnRequest, _signal: AbortSignal, caller: Pick<Caller, "partition">) {
      seen.push({ request, caller });
      const events = script();
      if (!Array.isArray(events)) throw events;
      return {
        sessionId: "session-1",
        continued: false,
        outcome: Promise.resolve({ kind: "ended_early" as const }),
        async *[Symbol.asyncIterator]() {
          yield* events;
        },
      };
    },
  };
  return { turns: turns as unknown as ConversationService, seen };
}

const TEXT_TURN: TurnEvent[] = [
  { type: "text", delta: "Hello" },
  { type: "usage", usage: { promptTokens: 7, completionTokens: 1 } },
  { type: "finish", reason: "stop" },
];

/** As http/app.ts builds it, plus the one line this dialect asks for: `api.use("/messages/*", anthropicErrors())`. */
function buildApp(script: () => Script, options: { apiKeys?: string[]; withMiddleware?: boolean } = {}) {
  const { turns, seen } = scriptedTurns(script);
  const inflight = new InflightRequests();
  const app = new Hono<AppEnv>({ strict: false });
  app.use(requestId());
  const api = new Hono<AppEnv>({ strict: false });
  if (options.withMiddleware ?? true) api.use("/messages/*", anthropicErrors());
  if (options.apiKeys) api.use(authenticate({ mode: "keys", staticKeys: options.apiKeys }));
  api.use(
    bodyLimit({
      maxSize: 1024,
      onError: () => {
        throw new GatewayError({ status: 413, code: "request_too_large", message: "The request body exceeds the gateway's limit of 0 MB." });
      },
    }),
  );
  api.route("/messages", messagesRoute({ turns, inflight, keepAliveMs: 15_000 }));
  app.route("/v1", api);
  app.route("/", api);
  app.onError((thrown, c) => {
    const error = thrown instanceof GatewayError ? thrown : new GatewayError({ status: 500, message: "opaque" });
    return c.json(error.toOpenAI(), error.status as 400, error.headers());
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { app, post, seen, inflight };
}

const body = (extra: Record<string, unknown> = {}) => ({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "hi" }], ...extra });

async function expectAnthropicError(response: Response, status: number, type: string): Promise<{ type: string; error: { type: string; message: string }; request_id?: string }> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/application\/json/);
  const json = (await response.json()) as { type: string; error: { type: string; message: string }; request_id?: string };
  expect(json.type).toBe("error");
  expect(json.error.type).toBe(type);
  expect(json.error.message).toMatch(/\w/);
  expect(json).not.toHaveProperty("error.code");
  return json;
}

describe("messages route: success paths", () => {
  it("answers a non-streaming request with the message, echoing the requested model", async () => {
    const { post, seen, inflight } = buildApp(() => TEXT_TURN);
    const response = await post("/v1/messages", body(), { "x-api-key": "k" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-copilot-session-id")).toBe("session-1");
    const message = (await response.json()) as Record<string, unknown>;
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [{ type: "text", text: "Hello" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 7, output_tokens: 1 },
    });
    expect(message.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(seen[0]!.request.model).toBe("claude-sonnet-4-5");
    expect(inflight.size).toBe(0);
  });

  it("streams SSE with the right headers; ?beta=true and any anthropic-beta / anthropic-version are ignored (B.13 #69/#70)", async () => {
    const { post } = buildApp(() => TEXT_TURN);
    const response = await post("/v1/messages?beta=true", body({ stream: true }), {
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,effort-2025-11-24,made-up-2099-01-01",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const text = await response.text();
    expect([...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1])).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });

  it("serves /messages without /v1 and with a trailing slash", async () => {
    const { post } = buildApp(() => TEXT_TURN);
    for (const path of ["/messages", "/v1/messages/"]) expect((await post(path, body())).status).toBe(200);
  });

  it("passes the caller's key as the ledger partition", async () => {
    const { post, seen } = buildApp(() => TEXT_TURN, { apiKeys: ["key-a"] });
    await post("/v1/messages", body(), { "x-api-key": "key-a" });
    await post("/v1/messages", body(), { authorization: "Bearer key-a" });
    const partitions = seen.map((s) => s.caller.partition);
    expect(partitions[0]).toBe(partitions[1]);
    expect(partitions[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(partitions[0]).not.toContain("key-a");
  });

  it("answers count_tokens with {input_tokens} and never starts a turn", async () => {
    const { post, seen } = buildApp(() => TEXT_TURN);
    const response = await post("/v1/messages/count_tokens?beta=true", { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x".repeat(40) }] });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ input_tokens: 10 });
    expect(seen).toHaveLength(0);
  });
});

describe("messages route: every error in the Anthropic shape (B.13 #79)", () => {
  it("401 from the API-key check, with x-should-retry: false", async () => {
    const { post } = buildApp(() => TEXT_TURN, { apiKeys: ["key-a"] });
    const missing = await post("/v1/messages", body());
    await expectAnthropicError(missing, 401, "authentication_error");
    expect(missing.headers.get("x-should-retry")).toBe("false");
    await expectAnthropicError(await post("/v1/messages", body(), { "x-api-key": "wrong" }), 401, "authentication_error");
    await expectAnthropicError(await post("/v1/messages/count_tokens", body()), 401, "authentication_error");
  });

  it("413 from the body limit", async () => {
    const { post } = buildApp(() => TEXT_TURN);
    await expectAnthropicError(await post("/v1/messages", body({ system: "x".repeat(4096) })), 413, "request_too_large");
  });

  it("400 for malformed JSON, a wrong content type and validation failures, naming the field", async () => {
    const { app, post } = buildApp(() => TEXT_TURN);
    await expectAnthropicError(await post("/v1/messages", "{not json"), 400, "invalid_request_error");
    const textPlain = await app.request("/v1/messages", { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(body()) });
    await expectAnthropicError(textPlain, 400, "invalid_request_error");
    const invalid = await expectAnthropicError(await post("/v1/messages", body({ max_tokens: "lots" })), 400, "invalid_request_error");
    expect(invalid.error.message).toContain("'max_tokens'");
    await expectAnthropicError(await post("/v1/messages/count_tokens", { model: "m" }), 400, "invalid_request_error");
  });

  it("404 for an unknown model, with the request id in the body", async () => {
    const { post } = buildApp(() => new GatewayError({ status: 404, code: "model_not_found", param: "model", message: "The model `nope` does not exist or you do not have access to it." }));
    const json = await expectAnthropicError(await post("/v1/messages", body({ stream: true })), 404, "not_found_error");
    expect(json.error.message).toContain("`nope`");
    expect(json.request_id).toMatch(/\w/);
  });

  it("a failure before the first event is a real status with Retry-After, not a 200 stream (the commit hold)", async () => {
    const rateLimited = new GatewayError({ status: 429, message: "The model provider is rate limiting requests: slow down", retryAfterSeconds: 5 });
    const { post, inflight } = buildApp(() => [{ type: "error", error: rateLimited }]);
    const response = await post("/v1/messages", body({ stream: true }));
    await expectAnthropicError(response, 429, "rate_limit_error");
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("retry-after-ms")).toBe("5000");
    expect(inflight.size).toBe(0);
  });

  it("529 overloaded_error for an upstream provider failure, retryable", async () => {
    const { post } = buildApp(() => [{ type: "error", error: new GatewayError({ status: 502, code: "upstream_error", message: "The model provider failed: 503" }) }]);
    await expectAnthropicError(await post("/v1/messages", body()), 529, "overloaded_error");
  });

  it("500 api_error for an unexpected failure, without internals", async () => {
    const { post } = buildApp(() => new Error("secret internal detail"));
    const json = await expectAnthropicError(await post("/v1/messages", body()), 500, "api_error");
    expect(json.error.message).not.toContain("secret");
    expect(json.error.message).toContain("request id");
  });

  it("404 for other paths and methods under /messages", async () => {
    const { app, post } = buildApp(() => TEXT_TURN);
    await expectAnthropicError(await app.request("/v1/messages", { method: "GET" }), 404, "not_found_error");
    await expectAnthropicError(await post("/v1/messages/batches", body()), 404, "not_found_error");
  });

  it("without the app-level middleware, the sub-app's own onError still renders its errors in the Anthropic shape", async () => {
    const { post } = buildApp(() => new GatewayError({ status: 404, code: "model_not_found", message: "no such model" }), { withMiddleware: false });
    await expectAnthropicError(await post("/v1/messages", body()), 404, "not_found_error");
    await expectAnthropicError(await post("/v1/messages", "{"), 400, "invalid_request_error");
  });

  it("without the middleware, a 401 from the API-key check stays OpenAI-shaped: why http/app.ts needs the one line", async () => {
    const { post } = buildApp(() => TEXT_TURN, { apiKeys: ["key-a"], withMiddleware: false });
    const response = await post("/v1/messages", body());
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_api_key" } });
  });
});
