// Boots the real gateway for tests: the real Copilot runtime (embedded, BYOK)
// calling the scripted upstream on 127.0.0.1 — or, with `copilot`, on the
// scripted GitHub's Copilot API — and the real Hono app, wired as src/main.ts
// wires it, through app.request() or, with `listen()`, a real socket. Kept
// Responses live in a database, as in the process: by default an SQLite file
// in the gateway's own temp data dir. `close()` stops all of it.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { createApp, createConversationService, type AppConfig } from "../../src/http/app.js";
import type { StaticAssets } from "../../src/http/console-route.js";
import { InflightRequests } from "../../src/pipeline/inflight.js";
import type { Logger } from "../../src/core/logger.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { CopilotRuntime } from "../../src/runtime/runtime-pool.js";
import type { RuntimeSettings } from "../../src/runtime/runtime-settings.js";
import type { DatabaseOptions, GatewayDatabase } from "../../src/storage/database.js";
import { openGatewayStores, type GatewayStores, type GatewayStoresOptions, type SpooledToolCalls } from "../../src/storage/gateway-stores.js";
import type { UsageRepository } from "../../src/storage/usage-repository.js";
import type { ChangeOrigin } from "../../src/access/admin-audit.js";
import { KeyAdmin } from "../../src/access/key-admin.js";
import { GitHubUsers } from "../../src/node/github-users.js";
import { PrometheusMetrics } from "../../src/observability/prometheus.js";
import { createLogger } from "../../src/observability/pino-logger.js";
import { watchLogLine } from "./log-watch.js";
import { answerFramingErrorsAsJson } from "../../src/node/framing-errors.js";
import { withDirectResponses } from "../../src/node/direct-responses.js";
import type { ConversationService } from "../../src/sessions/conversation-service.js";
import type { ScriptedGitHub } from "./github-api.js";
import { CLIENT_ID, CLIENT_SECRET, type ScriptedGitHubOAuth } from "./github-oauth.js";
import { GitHubOAuth } from "../../src/node/github-oauth.js";
import { setUpSignIn } from "../../src/http/sign-in-setup.js";
import type { PersonTokensOptions } from "../../src/access/person-tokens.js";
import { AdminRights } from "../../src/access/admin-rights.js";
import { signedInAdmin } from "../../src/http/signed-in-admin.js";
import { observeConformance } from "./spec-conformance.js";
import { ScriptedUpstream } from "./upstream.js";

/** What a test gateway serves from: the runtime pool, unless the test brings its own. */
export type GatewayRuntime = Runtime & { start(): Promise<void>; stop(): Promise<void> };

export interface TestGateway<R extends GatewayRuntime = CopilotRuntime> {
  app: ReturnType<typeof createApp>;
  runtime: R;
  upstream: ScriptedUpstream;
  inflight: InflightRequests;
  /** The embedded runtime's COPILOT_HOME: session state lives in its session-state/. */
  dataDir: string;
  /** The app's own turn service (and so its conversation ledger). */
  turns: ConversationService;
  /** Where kept Responses, virtual keys and usage records live. */
  database: GatewayDatabase;
  /** The stores as the app uses them: supervised, with the spool (storage/gateway-stores.ts). */
  stores: GatewayStores;
  /** Virtual keys on that database, as the CLI and admin API manage them. */
  keys: TestKeys;
  usage: UsageRepository;
  /** The tool-call audit on that database, read at GET /admin/tool-calls. */
  toolCalls: SpooledToolCalls;
  /** Serves the app on 127.0.0.1 and returns its base URL (…/v1). */
  listen(): Promise<string>;
  /** The HTTP server `listen()` started, if it did. */
  httpServer(): ServerType | undefined;
  /** POSTs JSON to a path through app.request(). */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Stops the server, runtime and upstream, closes the database and removes the data dir. Safe to call again. */
  close(): Promise<void>;
}

/** A gateway on the Copilot path: no scripted model, the scripted GitHub (if any) answers instead. */
export type CopilotTestGateway<R extends GatewayRuntime = CopilotRuntime> = Omit<TestGateway<R>, "upstream">;

export const TEST_MODEL = "test-model";

/**
 * The runtime's non-BYOK path, as an operator without COPILOT_PROVIDER_BASE_URL
 * runs it. The runtime's HOME is the gateway's empty data dir, so no login of
 * this machine's reaches it. In github mode (auth: "github") each caller's token
 * is their seat, as in src/main.ts.
 */
export interface CopilotPath {
  /** The scripted GitHub and Copilot API (github-api.ts); without one the runtime is signed in nowhere. */
  github?: Pick<ScriptedGitHub, "url" | "env">;
  /** The gateway's own GitHub token (COPILOT_GITHUB_TOKEN). */
  token?: string;
}

export interface GatewayOptions<R extends GatewayRuntime = CopilotRuntime> {
  models?: string[];
  /** host:port of a headless runtime (or several); embedded when absent. */
  externalRuntimeUrl?: string | string[];
  /** The connection token that headless runtime was started with. */
  externalRuntimeToken?: string;
  /** The headless runtime's COPILOT_HOME, shared with the gateway for seeding. */
  runtimeHome?: string;
  logger?: Logger;
  /** The runtime's data directory, owned by the test (a full disk's, say); a temporary one of the gateway's own when absent. */
  dataDir?: string;
  /** The database for kept Responses (owned by the test); an SQLite file in the gateway's temp data dir when absent. Its data dir holds the spool. */
  database?: DatabaseOptions;
  /** How the stores ride out an outage; the process's defaults (a 5-minute key window, a 64 MB spool) when absent. */
  store?: Partial<Pick<GatewayStoresOptions, "outageKeyWindowMs" | "spoolMaxBytes" | "probeIntervalMs" | "keyRefreshMs">>;
  /** How the runtime's heartbeat notices a hung runtime; the production default when absent. */
  heartbeat?: RuntimeSettings["heartbeat"];
  /** Embedded runtime processes (default 1) and when one is recycled (never by default). */
  processes?: number;
  recycle?: RuntimeSettings["recycle"];
  /** Builds the runtime from the gateway's runtime settings when it is not the pool (CopilotRuntime): the bench's old session options. */
  runtime?: (settings: RuntimeSettings) => R;
  /** The built web console, served at / (the browser tests). */
  console?: StaticAssets;
  /**
   * "watched" (the default): every line at debug level is kept for the suite's
   * secret check. "production": info level, written to /dev/null, as the
   * process logs — for the bench, whose figures must not carry the check's cost.
   */
  logging?: "watched" | "production";
  /**
   * Sign-in with the scripted GitHub App (github-oauth.ts; needs `copilot.github`
   * for its API). The gateway then listens at once, and its public URL is
   * where it listens, so a browser's round trip through GitHub comes back to it.
   */
  signIn?: { oauth: Pick<ScriptedGitHubOAuth, "url">; secretKey?: string; tokens?: Omit<PersonTokensOptions, "logger">; /** GATEWAY_ADMINS: these logins are admins when signed in. */ admins?: string[] };
}

export const TEST_SECRET_KEY = "test-secret-key-of-at-least-32-characters";

/** With `copilot`, on the Copilot path instead of the scripted model (BYOK): the gateway then has no `upstream`. */
export async function startGateway(overrides: Partial<AppConfig>, options: GatewayOptions & { copilot: CopilotPath }): Promise<CopilotTestGateway>;
export async function startGateway<R extends GatewayRuntime = CopilotRuntime>(overrides?: Partial<AppConfig>, options?: GatewayOptions<R>): Promise<TestGateway<R | CopilotRuntime>>;
export async function startGateway<R extends GatewayRuntime = CopilotRuntime>(
  overrides: Partial<AppConfig> = {},
  options: GatewayOptions<R> & { copilot?: CopilotPath } = {},
): Promise<TestGateway<R | CopilotRuntime> | CopilotTestGateway<R | CopilotRuntime>> {
  const copilot = options.copilot;
  const upstream = copilot ? undefined : await new ScriptedUpstream(options.models ?? [TEST_MODEL, "other-model"]).start();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "cgw-test-")));
  const settings: RuntimeSettings = {
    connection: options.externalRuntimeUrl
      ? { kind: "external", urls: [options.externalRuntimeUrl].flat(), ...(options.externalRuntimeToken ? { token: options.externalRuntimeToken } : {}) }
      : { kind: "embedded" },
    dataDir,
    ...(options.runtimeHome ? { runtimeHome: options.runtimeHome } : {}),
    modelsTtlMs: 60_000,
    ...(upstream ? { provider: { type: "openai", baseUrl: upstream.baseUrl, apiKey: "upstream-secret-key" } } : {}),
    ...(copilot ? copilotRuntimeSettings(copilot, overrides, dataDir) : {}),
    ...(options.heartbeat ? { heartbeat: options.heartbeat } : {}),
    // As src/main.ts sets it: an open is given up at the turn's deadline.
    ...(overrides.turnTimeoutMs !== undefined ? { openTimeoutMs: overrides.turnTimeoutMs } : {}),
    ...(options.processes ? { processes: options.processes } : {}),
    ...(options.recycle ? { recycle: options.recycle } : {}),
  };
  const runtime = options.runtime ? options.runtime(settings) : new CopilotRuntime(settings);
  await runtime.start();
  const inflight = new InflightRequests();
  const config: AppConfig = {
    apiKeys: [],
    corsOrigins: [],
    keepAliveMs: 15_000,
    turnTimeoutMs: 30_000,
    bodyLimitBytes: 32 * 1024 * 1024,
    strictOpenAI: false,
    maxSessions: 50,
    sessionTtlMs: 60_000,
    ...overrides,
  };
  // Every line, at every level, is also checked for secrets after each test (log-watch.ts).
  const logger = teeLogger(options.logging === "production" ? productionLogger() : createLogger("debug", watchLogLine), options.logger);
  const turns = createConversationService(runtime, config, logger);
  const metrics = new PrometheusMetrics();
  const stores = await openGatewayStores({ outageKeyWindowMs: 300_000, spoolMaxBytes: 64 * 1024 * 1024, ...options.store, ...(options.database ?? { dataDir }), logger, metrics });
  const { responses, keys: keyStore, usage, toolCalls } = stores;
  const github = config.auth === "github" && copilot?.github ? new GitHubUsers({ apiUrl: copilot.github.url }) : undefined;
  // With sign-in, the socket comes first: the app's public URL is where it listens.
  let server: ServerType | undefined;
  let lateFetch: (request: Request, env: unknown) => Response | Promise<Response> = () => new Response(null, { status: 503 });
  const startServer = async () => {
    server = await new Promise<ServerType>((resolve) => {
      const started: ServerType = serve({ fetch: withDirectResponses((request, env) => lateFetch(request, env)), hostname: "127.0.0.1", port: 0 }, () => resolve(started));
    });
    answerFramingErrorsAsJson(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const signInOrigin = options.signIn ? await startServer() : undefined;
  const signIn =
    options.signIn && copilot?.github && signInOrigin
      ? await setUpSignIn({
          people: stores.people,
          keys: keyStore,
          github: new GitHubOAuth({ githubUrl: options.signIn.oauth.url, apiUrl: copilot.github.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }),
          secretKey: options.signIn.secretKey ?? TEST_SECRET_KEY,
          publicUrl: signInOrigin,
          logger,
          ...(options.signIn.tokens ? { tokens: options.signIn.tokens } : {}),
        })
      : undefined;
  const app = createApp({
    runtime,
    config,
    inflight,
    turns,
    responses,
    keys: keyStore,
    usage,
    toolCalls,
    adminAudit: stores.adminAudit,
    metrics,
    logger,
    store: stores.status,
    ...(github ? { github } : {}),
    ...(signIn ? { signIn } : {}),
    ...(signIn && options.signIn?.admins ? { signedInAdmin: signedInAdmin(signIn, new AdminRights({ admins: options.signIn.admins, logger })) } : {}),
    ...(options.console ? { console: options.console } : {}),
  });
  // Under vitest, every response is checked against the providers' specifications (not in the bench).
  if (process.env.VITEST) app.fetch = observeConformance(app.fetch);
  lateFetch = (request, env) => app.fetch(request, env as never);
  let closing: Promise<void> | undefined;
  const gateway: Omit<TestGateway<R | CopilotRuntime>, "upstream"> = {
    app,
    runtime,
    inflight,
    dataDir,
    turns,
    database: stores.database,
    stores,
    keys: keysActingAs(new KeyAdmin(keyStore, usage), TEST_OPERATOR),
    usage: stores.usageRepository,
    toolCalls,
    async listen() {
      return `${signInOrigin ?? (await startServer())}/v1`;
    },
    httpServer: () => server,
    post(path, body, headers = {}) {
      return Promise.resolve(
        app.request(path, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: typeof body === "string" ? body : JSON.stringify(body),
        }),
      );
    },
    close() {
      closing ??= (async () => {
        if (server) {
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          await new Promise<void>((resolve) => server!.close(() => resolve()));
        }
        await runtime.stop();
        await upstream?.stop();
        await stores.close();
        if (!options.dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
      })();
      return closing;
    },
  };
  return upstream ? { ...gateway, upstream } : gateway;
}

/** The runtime's side of CopilotPath: the environment it starts in and whose token it uses. */
function copilotRuntimeSettings(copilot: CopilotPath, config: Partial<AppConfig>, dataDir: string): Partial<RuntimeSettings> {
  return {
    // Only PATH of this machine's environment: no token variable, no HOME with a login in it.
    env: { PATH: process.env.PATH, HOME: dataDir, XDG_CONFIG_HOME: join(dataDir, "config"), ...copilot.github?.env },
    ...(copilot.token ? { githubToken: copilot.token } : {}),
    ...(config.auth === "github" ? { tokenPerCaller: true } : {}),
  };
}

function productionLogger(): Logger {
  const devNull = createWriteStream("/dev/null");
  return createLogger("info", (line) => devNull.write(`${line}\n`));
}

function teeLogger(first: Logger, second: Logger | undefined): Logger {
  if (!second) return first;
  const both = (level: keyof Logger) => (message: string, fields?: Record<string, unknown>) => {
    first[level](message, fields);
    second[level](message, fields);
  };
  return { error: both("error"), warn: both("warn"), info: both("info"), debug: both("debug") };
}

/** Reads an SSE body into its `data:` payloads (comments and blank lines dropped). */
export async function readSseData(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: "))
    .map((frame) => frame.slice("data: ".length));
}

export function chatBody(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: TEST_MODEL, messages: [{ role: "user", content }], ...extra };
}

/** Who the tests' own key changes (`gw.keys`) are audited as: an operator at the CLI. */
export const TEST_OPERATOR: ChangeOrigin = { actor: { kind: "cli", user: "tests" }, requestId: null };

/** KeyAdmin with every change made as one operator, as a test sets keys up. */
export interface TestKeys {
  create(input: Parameters<KeyAdmin["create"]>[0]): ReturnType<KeyAdmin["create"]>;
  update(id: string, input: Parameters<KeyAdmin["update"]>[1]): ReturnType<KeyAdmin["update"]>;
  revoke(id: string): ReturnType<KeyAdmin["revoke"]>;
  list: KeyAdmin["list"];
  show: KeyAdmin["show"];
}

export function keysActingAs(admin: KeyAdmin, by: ChangeOrigin): TestKeys {
  return {
    create: (input) => admin.create(input, by),
    update: (id, input) => admin.update(id, input, by),
    revoke: (id) => admin.revoke(id, by),
    list: () => admin.list(),
    show: (id) => admin.show(id),
  };
}
