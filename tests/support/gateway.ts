// Boots the real gateway for tests: the real Copilot runtime (embedded, BYOK)
// calling the scripted upstream on 127.0.0.1, and the real Hono app — through
// app.request() or, with `listen()`, a real socket. Kept Responses live in a
// database, as in the process: by default an SQLite file in the gateway's own
// temp data dir.
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
import { openDatabase, type DatabaseOptions, type GatewayDatabase } from "../../src/storage/database.js";
import { KeyRepository } from "../../src/storage/key-repository.js";
import { ResponseRepository } from "../../src/storage/response-repository.js";
import { UsageRepository } from "../../src/storage/usage-repository.js";
import { KeyAdmin } from "../../src/access/key-admin.js";
import { PrometheusMetrics } from "../../src/observability/prometheus.js";
import { createLogger } from "../../src/observability/pino-logger.js";
import { watchLogLine } from "./log-watch.js";
import { answerFramingErrorsAsJson } from "../../src/node/framing-errors.js";
import { withDirectResponses } from "../../src/node/direct-responses.js";
import type { ConversationService } from "../../src/sessions/conversation-service.js";
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
  /** Virtual keys on that database, as the CLI and admin API manage them. */
  keys: KeyAdmin;
  usage: UsageRepository;
  /** Serves the app on 127.0.0.1 and returns its base URL (…/v1). */
  listen(): Promise<string>;
  /** The HTTP server `listen()` started, if it did. */
  httpServer(): ServerType | undefined;
  /** POSTs JSON to a path through app.request(). */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export const TEST_MODEL = "test-model";

export interface GatewayOptions<R extends GatewayRuntime = CopilotRuntime> {
  models?: string[];
  /** host:port of a headless runtime (or several); embedded when absent. */
  externalRuntimeUrl?: string | string[];
  /** The connection token that headless runtime was started with. */
  externalRuntimeToken?: string;
  /** The headless runtime's COPILOT_HOME, shared with the gateway for seeding. */
  runtimeHome?: string;
  logger?: Logger;
  /** The database for kept Responses (owned by the test); an SQLite file in the gateway's temp data dir when absent. */
  database?: DatabaseOptions;
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
}

export async function startGateway<R extends GatewayRuntime = CopilotRuntime>(overrides: Partial<AppConfig> = {}, options: GatewayOptions<R> = {}): Promise<TestGateway<R | CopilotRuntime>> {
  const upstream = await new ScriptedUpstream(options.models ?? [TEST_MODEL, "other-model"]).start();
  const dataDir = await mkdtemp(join(tmpdir(), "cgw-test-"));
  const settings: RuntimeSettings = {
    connection: options.externalRuntimeUrl
      ? { kind: "external", urls: [options.externalRuntimeUrl].flat(), ...(options.externalRuntimeToken ? { token: options.externalRuntimeToken } : {}) }
      : { kind: "embedded" },
    dataDir,
    ...(options.runtimeHome ? { runtimeHome: options.runtimeHome } : {}),
    modelsTtlMs: 60_000,
    provider: { type: "openai", baseUrl: upstream.baseUrl, apiKey: "upstream-secret-key" },
    ...(options.heartbeat ? { heartbeat: options.heartbeat } : {}),
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
  const database = await openDatabase(options.database ?? { dataDir });
  const responses = new ResponseRepository(database.db);
  const keyStore = new KeyRepository(database.db);
  const usage = new UsageRepository(database.db);
  const metrics = new PrometheusMetrics();
  const app = createApp({ runtime, config, inflight, turns, responses, keys: keyStore, usage, metrics, logger, ...(options.console ? { console: options.console } : {}) });
  // Under vitest, every response is checked against the providers' specifications (not in the bench).
  if (process.env.VITEST) app.fetch = observeConformance(app.fetch);
  let server: ServerType | undefined;
  return {
    app,
    runtime,
    upstream,
    inflight,
    dataDir,
    turns,
    database,
    keys: new KeyAdmin(keyStore, usage),
    usage,
    async listen() {
      server = await new Promise<ServerType>((resolve) => {
        const started: ServerType = serve({ fetch: withDirectResponses(app.fetch), hostname: "127.0.0.1", port: 0 }, () => resolve(started));
      });
      answerFramingErrorsAsJson(server);
      const { port } = server.address() as AddressInfo;
      return `http://127.0.0.1:${port}/v1`;
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
    async close() {
      if (server) {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await runtime.stop();
      await upstream.stop();
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
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
