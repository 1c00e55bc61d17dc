#!/usr/bin/env node
// Process entry: configuration → database → runtime → HTTP server → graceful shutdown.
// The only place that touches process, signals and sockets.
import { availableParallelism, homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { createApp, createConversationService } from "./http/app.js";
import { isCliCommand, runCli } from "./cli/index.js";
import { ConfigError, HelpRequested, type Config } from "./config/config.js";
import { loadConfig } from "./config/load-config.js";
import { describeStartup, helpText } from "./config/startup-text.js";
import { InflightRequests } from "./pipeline/inflight.js";
import { createLogger } from "./observability/pino-logger.js";
import { CopilotRuntime } from "./runtime/runtime-pool.js";
import { openGatewayStores, type GatewayStores } from "./storage/gateway-stores.js";
import { GitHubUsers } from "./node/github-users.js";
import { GitHubOAuth } from "./node/github-oauth.js";
import { setUpSignIn } from "./http/sign-in-setup.js";
import { signedInAdmin } from "./http/signed-in-admin.js";
import { adminRightsFromConfig } from "./node/github-teams.js";
import { PrometheusMetrics } from "./observability/prometheus.js";
import { answerFramingErrorsAsJson } from "./node/framing-errors.js";
import { loadConsoleAssets } from "./node/console-assets.js";
import { withDirectResponses } from "./node/direct-responses.js";
import { letLostRuntimeWritesGo } from "./node/stray-rejections.js";
import { claimDataDirectory } from "./node/data-directory-claim.js";
import { loadMcpServers } from "./node/mcp-config-file.js";
import { McpConfigError } from "./tools/mcp-config.js";
import type { McpServers } from "./tools/mcp-servers.js";
import { readAgentsDir, reloadAgentsOnHangup, servedModelProblem, type AgentsSetup } from "./node/agents-dir.js";
import { AgentFileError } from "./tools/agent-file.js";
import { AgentDirectory, type Agent } from "./tools/agents.js";

/**
 * A client sending its headers a byte at a time (slowloris) holds a socket:
 * Node cuts it at headersTimeout, checked every connectionsCheckingInterval
 * (60 s and 30 s by default, so up to 90 s). Real clients send their headers
 * in milliseconds. The body gets `requestTimeout` (GATEWAY_BODY_TIMEOUT_SECONDS;
 * Node's default of 300 s let 300 unfinished bodies hold 300 sockets for five
 * minutes); it covers the request's arrival only, never the streamed answer.
 */
function serverTimeouts(config: Config) {
  return { headersTimeout: Math.min(20_000, config.bodyTimeoutMs), requestTimeout: config.bodyTimeoutMs, connectionsCheckingInterval: Math.min(5_000, config.bodyTimeoutMs) };
}

function readConfig(): Config {
  try {
    const cacheDir = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
    return loadConfig(process.argv.slice(2), process.env, { cacheDir, cores: availableParallelism() });
  } catch (error) {
    if (error instanceof HelpRequested) {
      process.stdout.write(`${helpText()}\n`);
      process.exit(0);
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`copilot-gateway: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** The operator's MCP servers; a mistake in their file is a start-up error, like a bad setting. */
async function readMcpServers(config: Config): Promise<McpServers> {
  try {
    return await loadMcpServers(config, process.env);
  } catch (error) {
    if (!(error instanceof McpConfigError)) throw error;
    process.stderr.write(`copilot-gateway: ${error.message}\n`);
    process.exit(2);
  }
}

/** The operator's agents; a mistake in their files is a start-up error, like a bad setting. */
async function readAgents(setup: AgentsSetup): Promise<Agent[]> {
  try {
    return await readAgentsDir(setup);
  } catch (error) {
    if (!(error instanceof AgentFileError)) throw error;
    process.stderr.write(`copilot-gateway: ${error.message}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  // `copilot-gateway keys …` and `usage …` are operator commands on the database, not a server start.
  const args = process.argv.slice(2);
  if (isCliCommand(args)) process.exit(await runCli(args, process.env, { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) }));
  const config = readConfig();
  const mcpServers = await readMcpServers(config);
  const logger = createLogger(config.logLevel, (line) => process.stderr.write(`${line}\n`));
  letLostRuntimeWritesGo(logger);
  if (mcpServers.size > 0) logger.info("MCP servers configured", { servers: [...mcpServers.keys()], default_grants: config.mcpDefaultServers });
  const agentsSetup: AgentsSetup = { config, env: process.env, servers: mcpServers, logger };
  const agentList = await readAgents(agentsSetup);
  const metrics = new PrometheusMetrics();
  let database: GatewayStores;
  try {
    // Supervised: a database that is out at start (or later) does not stop the gateway; it serves what it can, and spools usage.
    database = await openGatewayStores({
      dataDir: config.dataDir,
      ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
      queryTimeoutMs: config.databaseQueryTimeoutMs,
      logger,
      metrics,
      outageKeyWindowMs: config.outageKeyWindowMs,
      spoolMaxBytes: config.spoolMaxBytes,
    });
  } catch (error) {
    // The message is the driver's; it names no password (pg and SQLite do not echo the URL).
    process.stderr.write(`copilot-gateway: the database did not open: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  if (database.status.outageSince() === undefined) logger.info("database ready", { database: database.database.description });
  const { responses, keys, usage, toolCalls } = database;
  // An embedded runtime's sessions live in the data directory: what a crashed predecessor left there goes now.
  const claim = config.runtime.kind === "embedded" ? await claimDataDirectory(config.dataDir) : undefined;
  if (claim && claim.removed > 0) logger.info("session state left by a gateway that did not stop", { removed: claim.removed, kept_for_live_gateways: claim.kept });
  const runtime = new CopilotRuntime({
    connection: config.runtime,
    processes: config.runtimes,
    ...(config.runtimeMaxMemoryBytes > 0 ? { recycle: { maxResidentBytes: config.runtimeMaxMemoryBytes } } : {}),
    dataDir: config.dataDir,
    ...(config.runtimeHome ? { runtimeHome: config.runtimeHome } : {}),
    modelsTtlMs: config.modelsTtlMs,
    ...(config.githubToken ? { githubToken: config.githubToken } : {}),
    ...(config.auth === "github" ? { tokenPerCaller: true } : {}),
    ...(config.provider ? { provider: config.provider } : {}),
    sharedStdioMcpServers: config.mcpSharedStdio,
    openTimeoutMs: config.turnTimeoutMs,
  });
  try {
    await runtime.start();
  } catch (error) {
    process.stderr.write(`copilot-gateway: the Copilot runtime (${runtime.description}) did not start: ${error instanceof Error ? error.message : String(error)}\n`);
    await runtime.stop();
    await database.close();
    process.exit(1);
  }

  // An agent named like a model, or running on one not served, would only fail at request time: stop now.
  const agentProblem = await servedModelProblem(agentList, () => runtime.listModels(), agentsSetup);
  if (agentProblem) {
    process.stderr.write(`copilot-gateway: ${agentProblem}\n`);
    await runtime.stop();
    await database.close();
    process.exit(2);
  }
  const agents = new AgentDirectory(agentList);
  if (config.agentsDir) {
    logger.info("agents served as models", { agents: agentList.map((agent) => agent.id) });
    reloadAgentsOnHangup(agents, agentsSetup, () => runtime.listModels());
  }

  // An alias pointing at a model the runtime does not serve would only fail at request time: say so now.
  void runtime
    .listModels()
    .then((models) => {
      for (const [from, to] of config.modelAliases) {
        if (!models.some((model) => model.id === to)) logger.warn("model alias points at a model that is not served", { from, to });
      }
    })
    .catch(() => undefined);

  const inflight = new InflightRequests();
  const keyless = config.auth === "none";
  const loopback = /^(localhost|127(?:\.\d{1,3}){3}|::1)$/i.test(config.host);
  // The operator's servers, and who gets them: nobody but those granted them.
  const appConfig = { ...config, mcpServers, defaultMcpGrants: config.mcpDefaultServers, agents, loopbackHostsOnly: keyless && loopback };
  const turns = createConversationService(runtime, appConfig, logger);
  const sweeper = setInterval(() => {
    turns.sweep();
    responses.sweep().catch((error: unknown) => logger.warn("sweeping kept responses failed", { error: error instanceof Error ? error.message : String(error) }));
    toolCalls.sweep().catch((error: unknown) => logger.warn("sweeping old tool-call records failed", { error: error instanceof Error ? error.message : String(error) }));
  }, 60_000).unref();
  const github = config.auth === "github" ? new GitHubUsers({ apiUrl: config.githubApiUrl }) : undefined;
  // People sign in with the company's GitHub App and get personal keys on their own seats.
  const signIn = config.signIn
    ? await setUpSignIn({
        people: database.people,
        keys,
        github: new GitHubOAuth({ githubUrl: config.githubUrl, apiUrl: config.githubApiUrl, clientId: config.signIn.clientId, clientSecret: config.signIn.clientSecret }),
        secretKey: config.signIn.secretKey,
        publicUrl: config.signIn.publicUrl,
        logger,
      })
    : undefined;
  // Admins sign in as themselves: GATEWAY_ADMINS and GATEWAY_ADMIN_TEAM say who among those signed in is one.
  const adminRights = adminRightsFromConfig(config, logger);
  const admins = signIn && adminRights.configured ? signedInAdmin(signIn, adminRights) : undefined;
  if (adminRights.configured && !signIn) logger.warn("GATEWAY_ADMINS and GATEWAY_ADMIN_TEAM name admins who sign in with GitHub, which is off here (GATEWAY_GITHUB_CLIENT_ID): only the admin key is an admin");
  // Beside dist/main.js once built; from src/main.ts (tsx), in the dist/ that `npm run build` made.
  const consoleAssets = await loadConsoleAssets([fileURLToPath(new URL("console", import.meta.url)), fileURLToPath(new URL("../dist/console", import.meta.url))]);
  if (!consoleAssets) logger.warn("the web console is not built, so / serves nothing: run npm run build");
  const app = createApp({
    runtime,
    config: appConfig,
    logger,
    inflight,
    turns,
    responses,
    keys,
    usage,
    toolCalls,
    adminAudit: database.adminAudit,
    metrics,
    store: database.status,
    ...(github ? { github } : {}),
    ...(signIn ? { signIn } : {}),
    ...(admins ? { signedInAdmin: admins } : {}),
    ...(consoleAssets ? { console: consoleAssets } : {}),
  });
  const server = serve({ fetch: withDirectResponses(app.fetch), hostname: config.host, port: config.port, serverOptions: serverTimeouts(config) }, (info) => {
    const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
    process.stdout.write(`${describeStartup(config, `http://${host}:${info.port}`)}\n`);
  });
  answerFramingErrorsAsJson(server);
  server.on("error", async (error: NodeJS.ErrnoException) => {
    process.stderr.write(`copilot-gateway: cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}\n`);
    await runtime.stop();
    await database.close();
    process.exit(1);
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // A second signal: the operator wants out now.
      await runtime.stop();
      process.exit(130);
    }
    stopping = true;
    logger.info("shutting down", { signal, inflight: inflight.size, graceMs: config.shutdownGraceMs });
    inflight.refuseNew();
    server.close();
    const grace = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref());
    await Promise.race([inflight.drained(), grace]);
    // Streams still running after the grace period end with an error frame.
    inflight.abortAll();
    await Promise.race([inflight.drained(), new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref())]);
    clearInterval(sweeper);
    await turns.close();
    await runtime.stop();
    await database.close();
    await claim?.release();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

await main();
