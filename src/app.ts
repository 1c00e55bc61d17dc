// The Hono application, built from injected dependencies so tests can run it
// through app.request() with a real runtime and no socket. Web-standard only.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { anthropicErrors } from "./dialects/anthropic/error-handler.js";
import { messagesRoute } from "./dialects/anthropic/route.js";
import { chatCompletionsRoute } from "./dialects/openai-chat/route.js";
import { responsesRoute } from "./dialects/responses/route.js";
import { MemoryResponseStore, type ResponseStore } from "./dialects/responses/store.js";
import { requireApiKey } from "./http/auth.js";
import { asGatewayError, GatewayError } from "./http/errors.js";
import { healthRoutes } from "./http/health-route.js";
import { loopbackHostsOnly } from "./http/host-guard.js";
import { InflightRequests } from "./http/inflight.js";
import { logFailure, silentLogger, type Logger } from "./http/logger.js";
import { modelsRoute } from "./http/models-route.js";
import type { AppEnv } from "./http/env.js";
import type { Runtime } from "./runtime/runtime.js";
import { ConversationService } from "./sessions/conversation-service.js";

export interface AppConfig {
  apiKeys: string[];
  corsOrigins: string[];
  keepAliveMs: number;
  turnTimeoutMs: number;
  bodyLimitBytes: number;
  strictOpenAI: boolean;
  maxSessions: number;
  sessionTtlMs: number;
  /** Client model names → served model ids, on top of the built-in Claude Code name rules. */
  modelAliases?: ReadonlyMap<string, string>;
  /** Serve only requests addressed to a loopback host name (set for a keyless gateway on loopback). */
  loopbackHostsOnly?: boolean;
}

export interface AppDeps {
  runtime: Runtime;
  config: AppConfig;
  logger?: Logger;
  /** Shared with the process entry, which drains and ends them on shutdown. */
  inflight?: InflightRequests;
  /** Shared with the process entry, which sweeps idle sessions; made here when absent. */
  turns?: ConversationService;
  /** Responses kept for previous_response_id and item_reference: the process gives the database's; in memory when absent. */
  responses?: ResponseStore;
}


/** Headers browsers may read from responses (contract B.12 #66). */
const EXPOSED_HEADERS = ["retry-after", "retry-after-ms", "x-request-id", "x-should-retry", "x-gateway-usage-estimated"];

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { runtime, config } = deps;
  const logger = deps.logger ?? silentLogger;
  const inflight = deps.inflight ?? new InflightRequests();
  const turns = deps.turns ?? createConversationService(runtime, config, logger);
  const responses = deps.responses ?? new MemoryResponseStore();
  const app = new Hono<AppEnv>({ strict: false });

  app.use(requestId());
  // First in line, so every error of the Anthropic routes — the host guard's
  // 403, auth's 401, the body limit's 413 — reaches Anthropic clients in Anthropic's shape.
  for (const prefix of ["/v1/messages/*", "/messages/*"]) app.use(prefix, anthropicErrors());
  if (config.loopbackHostsOnly) app.use(loopbackHostsOnly());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    logger.info("request", {
      id: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });
  if (config.corsOrigins.length > 0) {
    const anyOrigin = config.corsOrigins.includes("*");
    app.use(
      cors({
        origin: anyOrigin ? "*" : config.corsOrigins,
        allowMethods: ["GET", "POST", "OPTIONS"],
        // allowHeaders left empty: the preflight's requested headers are
        // reflected, which covers openai-node's x-stainless-* in browsers.
        exposeHeaders: EXPOSED_HEADERS,
        maxAge: 600,
      }),
    );
  }

  app.route("/", healthRoutes(runtime));

  const api = new Hono<AppEnv>({ strict: false });
  if (config.apiKeys.length > 0) api.use(requireApiKey(config.apiKeys));
  api.use(
    bodyLimit({
      maxSize: config.bodyLimitBytes,
      onError: () => {
        throw new GatewayError({
          status: 413,
          code: "request_too_large",
          message: `The request body exceeds the gateway's limit of ${Math.round(config.bodyLimitBytes / 1024 / 1024)} MB.`,
        });
      },
    }),
  );
  api.route("/models", modelsRoute(runtime, (model) => turns.resolveModel(model)));
  api.route(
    "/chat/completions",
    chatCompletionsRoute({
      turns,
      inflight,
      keepAliveMs: config.keepAliveMs,
      reasoning: !config.strictOpenAI,
    }),
  );
  api.route("/responses", responsesRoute({ turns, inflight, keepAliveMs: config.keepAliveMs, store: responses, logger }));
  api.route("/messages", messagesRoute({ turns, inflight, keepAliveMs: config.keepAliveMs, logger }));
  // Clients differ on whether the base URL ends in /v1 (contract B.11 #65).
  app.route("/v1", api);
  app.route("/", api);

  app.notFound((c) => {
    const error = new GatewayError({ status: 404, code: "unknown_url", message: `Invalid URL (${c.req.method} ${c.req.path})` });
    return c.json(error.toOpenAI(), 404);
  });
  app.onError((thrown, c) => {
    const error = asGatewayError(thrown, c.get("requestId"));
    logFailure(logger, thrown, error, c.get("requestId"));
    return c.json(error.toOpenAI(), error.status as 400, error.headers());
  });
  return app;
}

/** The turn service an app makes when none is given; the process entry makes its own to sweep and close it. */
export function createConversationService(runtime: Runtime, config: AppConfig, logger?: Logger): ConversationService {
  return new ConversationService(runtime, {
    ...(logger ? { logger } : {}),
    deadlineMs: config.turnTimeoutMs,
    maxSessions: config.maxSessions,
    sessionTtlMs: config.sessionTtlMs,
    ...(config.modelAliases ? { modelAliases: config.modelAliases } : {}),
  });
}
