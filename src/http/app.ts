// The Hono application, built from injected dependencies so tests can run it
// through app.request() with a real runtime and no socket. Web-standard only.
import { Hono } from "hono";
import { anthropicErrors } from "./anthropic-errors.js";
import { crossOrigin, noStore } from "./browser-policy.js";
import { messagesRoute } from "./messages-route.js";
import { chatCompletionsRoute } from "./chat-completions-route.js";
import { responsesRoute } from "./responses-route.js";
import { MemoryResponseStore, type ResponseStore } from "../dialects/responses/response-store.js";
import { adminRoutes, type AdminRoutesDeps } from "./admin-routes.js";
import { consoleRoutes, type StaticAssets } from "./console-route.js";
import { metricsRoute } from "./metrics-route.js";
import { noMetrics, type GatewayMetrics } from "../observability/metrics.js";
import { authenticate } from "./auth.js";
import { limitBody } from "./body-limit.js";
import { GatewayError } from "../core/gateway-error.js";
import { requestLine } from "./request-line.js";
import { answerErrorsAsOpenAI } from "./openai-errors.js";
import { healthRoutes } from "./health-route.js";
import { loopbackHostsOnly } from "./host-guard.js";
import { InflightRequests } from "../pipeline/inflight.js";
import { silentLogger, type Logger } from "../core/logger.js";
import { modelsRoute } from "./models-route.js";
import type { AppEnv } from "../pipeline/app-env.js";
import type { Runtime } from "../runtime/runtime.js";
import type { AdminAuditStore } from "../access/admin-audit.js";
import { KeyAdmin } from "../access/key-admin.js";
import { TurnAdmission } from "../pipeline/admission.js";
import { TurnGate } from "../access/turn-gate.js";
import { TurnSlots } from "../access/turn-slots.js";
import type { UsageStore } from "../access/usage.js";
import type { KeyStore } from "../access/virtual-keys.js";
import type { ToolCallStore } from "../tools/tool-call-log.js";
import type { StoreStatus } from "../core/store-outage.js";
import type { AuthMode, GitHubIdentities } from "../access/caller.js";
import type { RequestLimits } from "../core/request-limits.js";
import { ConversationService } from "../sessions/conversation-service.js";
import type { McpServers } from "../tools/mcp-servers.js";
import type { AgentDirectory } from "../tools/agents.js";
import type { SignInDeps } from "./sign-in-setup.js";
import { signInRoutes } from "./sign-in-routes.js";
import { deviceSignInRoutes } from "./device-sign-in-routes.js";

export interface AppConfig {
  /** Default: keys when static keys are given, none otherwise. */
  auth?: AuthMode;
  apiKeys: string[];
  /** Guards /admin (needs `keys` and `usage` in the deps); the admin API is off without it. */
  adminKey?: string;
  /** Turns in flight at most (default 100), the queue beyond it (default 100) and its longest wait (default 30 s). */
  maxTurns?: number;
  turnQueue?: number;
  queueWaitMs?: number;
  /** What one request may ask of the runtime (core/request-limits.ts); DEFAULT_LIMITS when absent. */
  limits?: RequestLimits;
  corsOrigins: string[];
  keepAliveMs: number;
  /** A stream whose client took nothing for this long is cancelled and its connection closed (default 60 s). */
  clientStallMs?: number;
  turnTimeoutMs: number;
  bodyLimitBytes: number;
  strictOpenAI: boolean;
  maxSessions: number;
  sessionTtlMs: number;
  /** Ready sessions kept for new conversations, one per recently seen session configuration, at most this many (default 4; 0: none). */
  warmSessions?: number;
  /** Idle conversations whose session stays live, the most recent first (default 128); older ones are suspended. */
  liveSessions?: number;
  /** Sessions of ended conversations kept, rewound, for new ones of the same caller and configuration (default 64; 0: none). */
  recycledSessions?: number;
  /** Client model names → served model ids, on top of the built-in Claude Code name rules. */
  modelAliases?: ReadonlyMap<string, string>;
  /** Serve only requests addressed to a loopback host name (set for a keyless gateway on loopback). */
  loopbackHostsOnly?: boolean;
  /** The operator's MCP servers and the grants of callers without their own, the cap on server-side tool calls per turn and their timeout (sessions/conversation-service.ts). */
  mcpServers?: McpServers;
  defaultMcpGrants?: readonly string[];
  /** URL prefixes under which a request may name a remote MCP server of its own. */
  mcpAllowedUrls?: readonly string[];
  mcpMaxCallsPerTurn?: number;
  mcpCallTimeoutMs?: number;
  /** Keep server-side tool calls' arguments in their audit records (default false: sizes only). */
  mcpAuditArguments?: boolean;
  /** The operator's agents, served as models, and the model those without one of their own run on (the first served when absent). */
  agents?: AgentDirectory;
  agentsDefaultModel?: string;
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
  /** Virtual keys (keys mode); only static keys are accepted without them. */
  keys?: KeyStore;
  /** Usage records, budgets and per-minute counts; turns are not recorded without it. */
  usage?: UsageStore;
  /** The server-side tool calls' audit: every turn's calls are written to it, and GET /admin/tool-calls reads it. */
  toolCalls?: ToolCallStore;
  /** The audit of admin changes, read by GET /admin/audit (the key store writes it with each change). */
  adminAudit?: AdminAuditStore;
  /** A person signed in as an admin, for /admin requests without the admin key (admin-routes.ts); only the admin key is admitted without it. */
  signedInAdmin?: AdminRoutesDeps["signedInAdmin"];
  /** GitHub token → login, for github mode. */
  github?: GitHubIdentities;
  /** What the gateway counts, served at /metrics; nothing is counted without it. */
  metrics?: GatewayMetrics;
  /** The built web console, served at / and /console; those paths are 404s without it. */
  console?: StaticAssets;
  /** Whether the database answers (storage/store-supervisor.ts), for /readyz. */
  store?: StoreStatus;
  /** Signing in with GitHub (github mode with the company's app): /auth/..., and personal keys on /v1. */
  signIn?: SignInDeps;
}


/** Headers browsers may read from responses (contract B.12 #66). */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { runtime, config } = deps;
  const logger = deps.logger ?? silentLogger;
  const inflight = deps.inflight ?? new InflightRequests();
  const turns = deps.turns ?? createConversationService(runtime, config, logger);
  const responses = deps.responses ?? new MemoryResponseStore();
  const metrics = deps.metrics ?? noMetrics;
  const authMode = config.auth ?? (config.apiKeys.length > 0 ? "keys" : "none");
  const slots = new TurnSlots({ maxTurns: config.maxTurns ?? 100, maxQueue: config.turnQueue ?? 100, maxWaitMs: config.queueWaitMs ?? 30_000 });
  const audit = { keepArguments: config.mcpAuditArguments ?? false, ...(deps.toolCalls ? { store: deps.toolCalls } : {}) };
  const admission = new TurnAdmission(new TurnGate(slots, deps.usage), deps.usage, logger, runtime.description, audit);
  admission.onTurnFinished((record, origin, upstreamStatus) => metrics.turnFinished(record, origin, upstreamStatus));
  admission.onToolCallFinished((record) => metrics.toolCallFinished(record));
  metrics.watch({ streamsInFlight: () => inflight.size, sessions: () => turns.sessionCounts(), turnSlots: () => ({ inFlight: slots.inFlight, waiting: slots.waiting }) });
  const app = new Hono<AppEnv>({ strict: false });
  // A runtime that dies takes its turns and sessions with it: end the turns now
  // (an error frame, or a 503 not yet committed), and let conversations go on seeded.
  runtime.onLost?.((reason, sessionIds) => {
    logger.error("a Copilot runtime was lost; restarting it", { reason, sessions: sessionIds.size, inflight: inflight.size });
    metrics.runtimeLost();
    inflight.abortOn(sessionIds, runtimeLost());
    turns.forgetSessions(sessionIds);
  });
  // A runtime replaced for its memory finishes its turns; its conversations then go on seeded on its successor.
  runtime.onRetire?.((sessionIds) => turns.retireSessions(sessionIds));
  runtime.onRecycled?.((residentBytes, cause) => {
    const residentMb = Math.round(residentBytes / 1024 / 1024);
    if (cause.kind === "growth") logger.warn("a Copilot runtime was replaced: its memory kept growing", { resident_mb: residentMb, growth_mb_per_1000_sessions: Math.round(cause.bytesPer1000Sessions / 1024 / 1024) });
    else logger.warn("a Copilot runtime was replaced: it held on to memory", { resident_mb: residentMb });
    metrics.runtimeRecycled();
  });

  app.use(requestLine(metrics, logger));
  // First in line after it, so every error of the Anthropic routes — the host guard's
  // 403, auth's 401, the body limit's 413 — reaches Anthropic clients in Anthropic's shape.
  for (const prefix of ["/v1/messages/*", "/messages/*"]) app.use(prefix, anthropicErrors());
  if (config.loopbackHostsOnly) app.use(loopbackHostsOnly());
  app.use(noStore());
  if (config.corsOrigins.length > 0) app.use(crossOrigin(config.corsOrigins));

  app.route("/", healthRoutes(runtime, deps.store));
  // Before the API's catch-all mount at "/": the page loads without a key, and asks for one when the API wants it.
  if (deps.console) app.route("/", consoleRoutes(deps.console));

  const signIn = deps.signIn;
  if (signIn) {
    // Before the API's catch-all mount at "/": sign-in needs no key, it gives one.
    app.route("/auth/device", deviceSignInRoutes({ signIn: signIn.signIn, github: signIn.github, logger }));
    app.route("/auth", signInRoutes({ ...signIn, logger }));
  }

  const api = new Hono<AppEnv>({ strict: false });
  api.use(
    authenticate({
      mode: authMode,
      staticKeys: config.apiKeys,
      ...(deps.keys ? { keys: deps.keys } : {}),
      ...(deps.github ? { github: deps.github } : {}),
      ...(signIn ? { people: { signIn: signIn.signIn, publicUrl: signIn.publicUrl } } : {}),
    }),
  );
  api.use(
    limitBody(config.bodyLimitBytes, () => {
      throw new GatewayError({
        status: 413,
        code: "request_too_large",
        message: `The request body exceeds the gateway's limit of ${Math.round(config.bodyLimitBytes / 1024 / 1024)} MB.`,
      });
    }),
  );
  api.route("/models", modelsRoute(turns.models));
  const turnRoutes = {
    turns,
    inflight,
    keepAliveMs: config.keepAliveMs,
    ...(config.clientStallMs ? { clientStallMs: config.clientStallMs } : {}),
    admission,
    logger,
    ...(config.limits ? { limits: config.limits } : {}),
    middlewareHeaders: config.corsOrigins.length > 0,
  };
  api.route(
    "/chat/completions",
    chatCompletionsRoute({ ...turnRoutes, reasoning: !config.strictOpenAI }),
  );
  api.route("/responses", responsesRoute({ ...turnRoutes, store: responses }));
  api.route("/messages", messagesRoute(turnRoutes));
  // Before the API's catch-all mount at "/", whose key check must not run on admin requests.
  app.route("/metrics", metricsRoute(metrics, authMode === "none" ? "open" : { adminKey: config.adminKey }));
  if (deps.keys && deps.usage) {
    const status = () => ({ turns: { inFlight: slots.inFlight, waiting: slots.waiting }, sessions: turns.sessionCounts(), streams: inflight.size });
    app.route(
      "/admin",
      adminRoutes({
        admin: new KeyAdmin(deps.keys, deps.usage),
        usage: deps.usage,
        adminKey: config.adminKey,
        logger,
        status,
        ...(deps.toolCalls ? { toolCalls: deps.toolCalls } : {}),
        ...(deps.adminAudit ? { audit: deps.adminAudit } : {}),
        ...(deps.signedInAdmin ? { signedInAdmin: deps.signedInAdmin } : {}),
        ...(signIn ? { people: signIn.people } : {}),
      }),
    );
  }
  // Clients differ on whether the base URL ends in /v1 (contract B.11 #65).
  app.route("/v1", api);
  app.route("/", api);

  answerErrorsAsOpenAI(app, logger);
  return app;
}

function runtimeLost(): GatewayError {
  return new GatewayError({
    status: 503,
    code: "runtime_lost",
    message: "The Copilot runtime stopped while answering; it is being restarted. Retry the request: the conversation goes on where it was.",
    retryAfterSeconds: 2,
  });
}

/** The turn service an app makes when none is given; the process entry makes its own to sweep and close it. */
export function createConversationService(runtime: Runtime, config: AppConfig, logger?: Logger): ConversationService {
  return new ConversationService(runtime, {
    ...(logger ? { logger } : {}),
    deadlineMs: config.turnTimeoutMs,
    maxSessions: config.maxSessions,
    sessionTtlMs: config.sessionTtlMs,
    ...(config.warmSessions !== undefined ? { warmSessions: config.warmSessions } : {}),
    ...(config.liveSessions !== undefined ? { liveSessions: config.liveSessions } : {}),
    ...(config.recycledSessions !== undefined ? { recycledSessions: config.recycledSessions } : {}),
    ...(config.modelAliases ? { modelAliases: config.modelAliases } : {}),
    ...(config.mcpServers ? { mcpServers: config.mcpServers } : {}),
    ...(config.defaultMcpGrants ? { defaultMcpGrants: config.defaultMcpGrants } : {}),
    ...(config.mcpAllowedUrls ? { mcpAllowedUrls: config.mcpAllowedUrls } : {}),
    ...(config.mcpMaxCallsPerTurn !== undefined ? { mcpMaxCallsPerTurn: config.mcpMaxCallsPerTurn } : {}),
    ...(config.mcpCallTimeoutMs !== undefined ? { mcpCallTimeoutMs: config.mcpCallTimeoutMs } : {}),
    ...(config.agents ? { agents: config.agents } : {}),
    ...(config.agentsDefaultModel ? { agentsDefaultModel: config.agentsDefaultModel } : {}),
  });
}
