// Settings from flags and environment variables → one typed Config.
// Pure on purpose: the entry passes argv, env and the cache dir, and decides how
// to exit, so every rule here is testable without a process. Web-standard only.
import { z } from "zod";
import type { AuthMode } from "../access/caller.js";
import { DEFAULT_LIMITS, type RequestLimits } from "../core/request-limits.js";
import { parseAliases } from "../core/model-aliases.js";

export type LogLevel = "error" | "warn" | "info" | "debug";
export type ProviderType = "openai" | "azure" | "anthropic";
export type ProviderWireApi = "completions" | "responses";


export type RuntimeTarget = { kind: "embedded" } | { kind: "external"; urls: string[]; token?: string };

export interface ProviderConfig {
  type: ProviderType;
  baseUrl: string;
  apiKey?: string;
  wireApi?: ProviderWireApi;
  models?: string[];
}

export interface Config {
  host: string;
  port: number;
  runtime: RuntimeTarget;
  /** Embedded runtime processes; a new conversation goes to the least loaded. */
  runtimes: number;
  /** An embedded runtime holding more resident memory than this is replaced between turns; 0: never. */
  runtimeMaxMemoryBytes: number;
  dataDir: string;
  /** PostgreSQL connection URL; the SQLite file under `dataDir` when absent. */
  databaseUrl?: string;
  /** An external runtime's COPILOT_HOME as the gateway sees it (a shared directory), where conversations are seeded. */
  runtimeHome?: string;
  githubToken?: string;
  provider?: ProviderConfig;
  auth: AuthMode;
  /** github mode: where a caller's token is turned into their login (`GET /user`). */
  githubApiUrl: string;
  apiKeys: string[];
  /** Guards /admin; the admin API is off without it. */
  adminKey?: string;
  corsOrigins: string[];
  /** Turns in flight at most, across callers; then a short queue (`turnQueue`, waiting up to `queueWaitMs`), then 503. */
  maxTurns: number;
  turnQueue: number;
  queueWaitMs: number;
  /** What one request may ask of the runtime; beyond it, a 400 naming the field. */
  limits: RequestLimits;
  keepAliveMs: number;
  clientStallMs: number;
  turnTimeoutMs: number;
  shutdownGraceMs: number;
  modelsTtlMs: number;
  maxSessions: number;
  sessionTtlMs: number;
  warmSessions: number;
  liveSessions: number;
  modelAliases: Map<string, string>;
  bodyLimitBytes: number;
  strictOpenAI: boolean;
  logLevel: LogLevel;
}

/** A bad setting. `message` is one line naming the flag or variable it came from. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** `--help`/`-h` was given: the entry prints `helpText()` and exits 0. */
export class HelpRequested extends Error {
  override readonly name = "HelpRequested";
  constructor() {
    super("help requested");
  }
}

interface SettingDefinition {
  flag: string;
  /** Read in order; the first non-empty one wins. */
  env: readonly string[];
  valueHint: string;
  defaultText: string;
  meaning: string;
  isBoolean?: boolean;
  /** Never echoed back in an error message. */
  isSecret?: boolean;
}

/**
 * Runtimes by default: one per core, as each runtime's work is mostly one
 * thread's (2 runtimes on 2 cores served 1.2–1.3× the new conversations of
 * one at concurrency 50); more than 4 mostly costs memory (~100–250 MB each).
 */
const MAX_DEFAULT_RUNTIMES = 4;

const SETTINGS = {
  host: { flag: "host", env: ["HOST"], valueHint: "<host>", defaultText: "127.0.0.1", meaning: "Interface to listen on." },
  port: { flag: "port", env: ["PORT"], valueHint: "<port>", defaultText: "3000", meaning: "TCP port to listen on (0 picks a free one)." },
  cliUrl: { flag: "copilot-cli-url", env: ["COPILOT_CLI_URL"], valueHint: "<host:port,...>", defaultText: "embedded runtime", meaning: "Use running `copilot --headless` servers (comma-separated; a new conversation goes to the one carrying the fewest sessions) instead of spawning runtimes." },
  cliToken: { flag: "copilot-cli-token", env: ["COPILOT_CONNECTION_TOKEN"], valueHint: "<token>", defaultText: "none", meaning: "With --copilot-cli-url: the connection token the headless runtime was started with (its COPILOT_CONNECTION_TOKEN).", isSecret: true },
  runtimes: { flag: "runtimes", env: ["GATEWAY_RUNTIMES"], valueHint: "<n>", defaultText: "the core count, at most 4", meaning: "Embedded Copilot runtime processes; a new conversation goes to the one carrying the fewest sessions, and stays there." },
  runtimeMaxMemory: { flag: "runtime-max-memory-mb", env: ["GATEWAY_RUNTIME_MAX_MEMORY_MB"], valueHint: "<MB>", defaultText: "1024", meaning: "An embedded runtime holding more memory than this (it does not give back what bursts took) is replaced between turns, without failing any; 0: never." },
  runtimeHome: { flag: "copilot-runtime-home", env: ["COPILOT_RUNTIME_HOME"], valueHint: "<dir>", defaultText: "none (history is flattened for an external runtime)", meaning: "With --copilot-cli-url: the runtime's COPILOT_HOME, shared with the gateway, so conversations start with their own history." },
  dataDir: { flag: "data-dir", env: ["COPILOT_GATEWAY_DATA_DIR"], valueHint: "<dir>", defaultText: "<cache dir>/copilot-gateway", meaning: "Where session state lives." },
  databaseUrl: { flag: "database-url", env: ["DATABASE_URL"], valueHint: "<postgres://...>", defaultText: "<data dir>/gateway.sqlite", meaning: "PostgreSQL for the gateway's data (virtual keys, usage records, kept Responses), shared by several gateway processes; an SQLite file otherwise.", isSecret: true },
  githubToken: { flag: "github-token", env: ["COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"], valueHint: "<token>", defaultText: "logged-in user", meaning: "GitHub token for the Copilot runtime (first variable set wins).", isSecret: true },
  providerBaseUrl: { flag: "provider-base-url", env: ["COPILOT_PROVIDER_BASE_URL"], valueHint: "<url>", defaultText: "none (Copilot models)", meaning: "BYOK: base URL of your own model provider; enables BYOK mode." },
  providerType: { flag: "provider-type", env: ["COPILOT_PROVIDER_TYPE"], valueHint: "openai|azure|anthropic", defaultText: "openai", meaning: "BYOK: the provider's API flavour." },
  providerApiKey: { flag: "provider-api-key", env: ["COPILOT_PROVIDER_API_KEY"], valueHint: "<key>", defaultText: "none", meaning: "BYOK: API key sent to the provider.", isSecret: true },
  providerWireApi: { flag: "provider-wire-api", env: ["COPILOT_PROVIDER_WIRE_API"], valueHint: "completions|responses", defaultText: "runtime's choice", meaning: "BYOK: which provider endpoint the runtime calls." },
  providerModels: { flag: "provider-models", env: ["COPILOT_PROVIDER_MODELS"], valueHint: "<a,b,...>", defaultText: "the provider's GET /models", meaning: "BYOK: model ids served by /v1/models." },
  auth: { flag: "auth", env: ["GATEWAY_AUTH"], valueHint: "none|keys|github", defaultText: "keys when API or admin keys are set, else none", meaning: "Who may call: anyone (none); holders of the static or virtual keys (keys); GitHub users, each on their own Copilot seat with their own token (github)." },
  githubApiUrl: { flag: "github-api-url", env: ["GATEWAY_GITHUB_API_URL"], valueHint: "<url>", defaultText: "https://api.github.com", meaning: "With --auth github: the GitHub API that names a token's user (a GitHub Enterprise host's API for GHE)." },
  apiKeys: { flag: "api-keys", env: ["GATEWAY_API_KEYS"], valueHint: "<k1,k2,...>", defaultText: "none", meaning: "Static keys clients may present on /v1 routes, beside the virtual keys.", isSecret: true },
  adminKey: { flag: "admin-key", env: ["GATEWAY_ADMIN_KEY"], valueHint: "<key>", defaultText: "none (admin API off)", meaning: "Key for the /admin API (virtual keys, usage reports); never a client key.", isSecret: true },
  corsOrigins: { flag: "cors-origins", env: ["GATEWAY_CORS_ORIGINS"], valueHint: "<origins|*>", defaultText: "* with API keys, none without", meaning: "Browser origins allowed to call the gateway." },
  maxTools: { flag: "max-tools", env: ["GATEWAY_MAX_TOOLS"], valueHint: "<n>", defaultText: "512", meaning: "Tools offered to the model in one request at most; more is a 400." },
  maxPromptChars: { flag: "max-prompt-chars", env: ["GATEWAY_MAX_PROMPT_CHARS"], valueHint: "<n>", defaultText: "4000000", meaning: "Characters of prompt (messages, tool calls and results, tool definitions) in one request at most; more is a 400." },
  maxToolDescriptionChars: { flag: "max-tool-description-chars", env: ["GATEWAY_MAX_TOOL_DESCRIPTION_CHARS"], valueHint: "<n>", defaultText: "100000", meaning: "Characters of one tool's description at most." },
  maxSchemaChars: { flag: "max-schema-chars", env: ["GATEWAY_MAX_SCHEMA_CHARS"], valueHint: "<n>", defaultText: "100000", meaning: "Characters of JSON of one tool or response-format schema at most." },
  maxSchemaDepth: { flag: "max-schema-depth", env: ["GATEWAY_MAX_SCHEMA_DEPTH"], valueHint: "<n>", defaultText: "64", meaning: "Nesting of one schema at most, 1 to 100 (the runtime stops answering near 125)." },
  maxTurns: { flag: "max-turns", env: ["GATEWAY_MAX_TURNS"], valueHint: "<n>", defaultText: "100", meaning: "Turns in flight at most, across all callers." },
  turnQueue: { flag: "turn-queue", env: ["GATEWAY_TURN_QUEUE"], valueHint: "<n>", defaultText: "100", meaning: "Turns that may wait for a slot when --max-turns are in flight; beyond it, 503 with Retry-After." },
  queueWait: { flag: "queue-wait-seconds", env: ["GATEWAY_QUEUE_WAIT_SECONDS"], valueHint: "<s>", defaultText: "30", meaning: "How long a turn may wait for a slot before it is a 503." },
  keepAlive: { flag: "keepalive-seconds", env: ["GATEWAY_KEEPALIVE_SECONDS"], valueHint: "<s>", defaultText: "15", meaning: "SSE keep-alive comment interval while the model is silent." },
  clientStall: { flag: "client-stall-seconds", env: ["GATEWAY_CLIENT_STALL_SECONDS"], valueHint: "<s>", defaultText: "60", meaning: "A stream whose client has taken nothing for this long is cancelled at the model and its connection closed." },
  turnTimeout: { flag: "turn-timeout-seconds", env: ["GATEWAY_TURN_TIMEOUT_SECONDS"], valueHint: "<s>", defaultText: "30", meaning: "Deadline for the model to start answering, retries included." },
  shutdownGrace: { flag: "shutdown-grace-seconds", env: ["GATEWAY_SHUTDOWN_GRACE_SECONDS"], valueHint: "<s>", defaultText: "10", meaning: "On SIGINT/SIGTERM, how long streams in flight may finish." },
  modelsTtl: { flag: "models-ttl-seconds", env: ["GATEWAY_MODELS_TTL_SECONDS"], valueHint: "<s>", defaultText: "300", meaning: "How long the model list is cached (0 = no cache)." },
  maxSessions: { flag: "max-sessions", env: ["GATEWAY_MAX_SESSIONS"], valueHint: "<n>", defaultText: "200", meaning: "Live Copilot sessions kept for conversations to continue; least recently used go first." },
  warmSessions: { flag: "warm-sessions", env: ["GATEWAY_WARM_SESSIONS"], valueHint: "<n>", defaultText: "4", meaning: "Session configurations (model, system prompt, tools, caller) seen lately that keep a session opened ahead, so a new conversation does not wait for one; 0: none." },
  liveSessions: { flag: "live-sessions", env: ["GATEWAY_LIVE_SESSIONS"], valueHint: "<n>", defaultText: "128", meaning: "Idle conversations whose session stays live (the most recently used), so they go on without a resume; older ones are suspended." },
  sessionTtl: { flag: "session-ttl-seconds", env: ["GATEWAY_SESSION_TTL_SECONDS"], valueHint: "<s>", defaultText: "1800", meaning: "How long an idle conversation's session is kept." },
  modelAliases: { flag: "model-aliases", env: ["GATEWAY_MODEL_ALIASES"], valueHint: "<from=to,...>", defaultText: "none (Claude Code names map by rule)", meaning: "Client model names → served model ids, e.g. claude-3-5-haiku-latest=gpt-4.1-mini." },
  bodyLimit: { flag: "body-limit-mb", env: ["GATEWAY_BODY_LIMIT_MB"], valueHint: "<MB>", defaultText: "32", meaning: "Largest request body (1 MB = 1,048,576 bytes); larger is a 413." },
  strictOpenAI: { flag: "strict-openai", env: ["GATEWAY_STRICT_OPENAI"], valueHint: "[true|false]", defaultText: "false", meaning: "Send no non-standard response fields (reasoning_content, ...).", isBoolean: true },
  logLevel: { flag: "log-level", env: ["GATEWAY_LOG_LEVEL"], valueHint: "error|warn|info|debug", defaultText: "info", meaning: "Log verbosity." },
} satisfies Record<string, SettingDefinition>;

type SettingKey = keyof typeof SETTINGS;
const SETTING_LIST: readonly SettingDefinition[] = Object.values(SETTINGS);
const BY_FLAG = new Map<string, SettingDefinition>(SETTING_LIST.map((s) => [s.flag, s]));

/** A raw value and the name the user gave it under, so errors point at what they typed. */
interface RawValue {
  text: string;
  source: string;
}

const TRUE_WORDS = ["1", "true", "yes", "on"] as const;
const FALSE_WORDS = ["0", "false", "no", "off"] as const;
const isBooleanWord = (s: string) => (TRUE_WORDS as readonly string[]).includes(s.toLowerCase());
const isBooleanLiteral = (s: string) => isBooleanWord(s) || (FALSE_WORDS as readonly string[]).includes(s.toLowerCase());

/**
 * Builds the Config. Flags (`--name value`, `--name=value`, bare for booleans) win
 * over environment variables; an empty variable counts as unset.
 * Throws `HelpRequested` for `--help`/`-h`, `ConfigError` for anything invalid.
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  home: { cacheDir: string; cores?: number },
): Config {
  if (argv.includes("--help") || argv.includes("-h")) throw new HelpRequested();
  const flags = readFlags(argv);
  const raw = (key: SettingKey): RawValue | undefined => {
    const setting: SettingDefinition = SETTINGS[key];
    const fromFlag = flags.get(setting.flag);
    if (fromFlag !== undefined) return { text: fromFlag.trim(), source: `--${setting.flag}` };
    for (const name of setting.env) {
      const text = env[name]?.trim();
      if (text) return { text, source: name };
    }
    return undefined;
  };

  const apiKeys = parseList(raw("apiKeys"));
  const adminKey = raw("adminKey");
  const provider = parseProvider(raw);
  const auth = parseAuth(raw("auth"), { apiKeys, adminKey, byok: provider.provider !== undefined });
  const cors = raw("corsOrigins");
  const cliUrl = raw("cliUrl");
  const cliToken = raw("cliToken");
  if (cliToken && !cliUrl) throw new ConfigError(`${cliToken.source} needs COPILOT_CLI_URL (or --copilot-cli-url): the embedded runtime takes no connection token`);
  const githubToken = raw("githubToken");
  const dataDir = raw("dataDir");
  const runtimeHome = raw("runtimeHome");
  const databaseUrl = raw("databaseUrl");

  return {
    host: parse(raw("host"), "127.0.0.1", z.string().regex(/^\S+$/), "a host name or IP address"),
    port: parse(raw("port"), 3000, integerText.pipe(z.number().max(65535)), "an integer from 0 to 65535"),
    runtime: cliUrl ? { kind: "external", urls: parseCliUrls(cliUrl), ...(cliToken ? { token: nonEmpty(cliToken) } : {}) } : { kind: "embedded" },
    dataDir: dataDir ? nonEmpty(dataDir) : `${home.cacheDir.replace(/[\\/]+$/, "")}/copilot-gateway`,
    ...(databaseUrl ? { databaseUrl: parseDatabaseUrl(databaseUrl) } : {}),
    ...(runtimeHome ? { runtimeHome: nonEmpty(runtimeHome) } : {}),
    runtimes: parse(raw("runtimes"), Math.min(MAX_DEFAULT_RUNTIMES, Math.max(1, home.cores ?? 1)), integerText.pipe(z.number().min(1).max(64)), "an integer from 1 to 64"),
    runtimeMaxMemoryBytes: Math.round(parse(raw("runtimeMaxMemory"), 1024, decimalText.pipe(z.number().nonnegative()), "a number, 0 or more") * 1024 * 1024),
    ...(githubToken ? { githubToken: nonEmpty(githubToken) } : {}),
    ...provider,
    auth,
    githubApiUrl: parse(raw("githubApiUrl"), "https://api.github.com", z.url({ protocol: /^https?$/ }), "an http:// or https:// URL").replace(/\/+$/, ""),
    apiKeys,
    ...(adminKey ? { adminKey: nonEmpty(adminKey) } : {}),
    corsOrigins: cors ? parseCorsOrigins(cors) : auth !== "none" ? ["*"] : [],
    maxTurns: parse(raw("maxTurns"), 100, integerText.pipe(z.number().min(1)), "an integer of at least 1"),
    turnQueue: parse(raw("turnQueue"), 100, integerText, "an integer, 0 or more"),
    queueWaitMs: seconds(raw("queueWait"), 30, "positive"),
    limits: requestLimits(raw),
    keepAliveMs: seconds(raw("keepAlive"), 15, "positive"),
    clientStallMs: seconds(raw("clientStall"), 60, "positive"),
    turnTimeoutMs: seconds(raw("turnTimeout"), 30, "positive"),
    shutdownGraceMs: seconds(raw("shutdownGrace"), 10, "nonnegative"),
    modelsTtlMs: seconds(raw("modelsTtl"), 300, "nonnegative"),
    maxSessions: parse(raw("maxSessions"), 200, integerText.pipe(z.number().min(1)), "an integer of at least 1"),
    sessionTtlMs: seconds(raw("sessionTtl"), 1800, "positive"),
    warmSessions: parse(raw("warmSessions"), 4, integerText.pipe(z.number().max(1000)), "an integer from 0 to 1000"),
    liveSessions: parse(raw("liveSessions"), 128, integerText.pipe(z.number().max(100_000)), "an integer, 0 or more"),
    modelAliases: aliases(raw("modelAliases")),
    bodyLimitBytes: Math.round(parse(raw("bodyLimit"), 32, decimalText.pipe(z.number().positive()), "a number greater than 0") * 1024 * 1024),
    strictOpenAI: parse(raw("strictOpenAI"), false, z.string().refine(isBooleanLiteral).transform(isBooleanWord), "one of 1|true|yes|on|0|false|no|off"),
    logLevel: parse(raw("logLevel"), "info", z.enum(["error", "warn", "info", "debug"]), "one of error|warn|info|debug"),
  };
}

function aliases(value: RawValue | undefined): Map<string, string> {
  if (!value) return new Map();
  try {
    return parseAliases(value.text);
  } catch (error) {
    throw new ConfigError(`${value.source}: ${error instanceof Error ? error.message : "not a from=to list"}`);
  }
}

function readFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new ConfigError(`unexpected argument "${arg}" (settings are given as --name value; see --help)`);
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const setting = BY_FLAG.get(name);
    if (!setting) throw new ConfigError(`unknown option --${name} (see --help)`);
    if (eq >= 0) {
      flags.set(name, arg.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (setting.isBoolean) {
      // A bare boolean flag means true; only swallow the next word when it is a boolean.
      const takesNext = next !== undefined && isBooleanLiteral(next);
      flags.set(name, takesNext ? next : "true");
      if (takesNext) i++;
    } else {
      if (next === undefined || next.startsWith("--")) throw new ConfigError(`--${name} needs a value`);
      flags.set(name, next);
      i++;
    }
  }
  return flags;
}

const integerText = z.string().regex(/^\d+$/).transform(Number);
const decimalText = z.string().regex(/^\d+(\.\d+)?$/).transform(Number);

function parse<T>(value: RawValue | undefined, fallback: T, schema: z.ZodType<T, string>, expectation: string): T {
  if (value === undefined) return fallback;
  const result = schema.safeParse(value.text);
  if (!result.success) throw invalid(value, expectation);
  return result.data;
}

function seconds(value: RawValue | undefined, fallbackSeconds: number, sign: "positive" | "nonnegative"): number {
  const schema = sign === "positive" ? decimalText.pipe(z.number().positive()) : decimalText;
  const expectation = sign === "positive" ? "a number of seconds greater than 0" : "a number of seconds, 0 or more";
  const ms = Math.round(parse(value, fallbackSeconds, schema, expectation) * 1000);
  // A tiny positive value must not round down to 0, which would mean "never".
  return sign === "positive" ? Math.max(1, ms) : ms;
}

function invalid(value: RawValue, expectation: string, isSecret = false): ConfigError {
  const setting = SETTING_LIST.find((s) => s.env.includes(value.source) || `--${s.flag}` === value.source);
  const shown = isSecret || setting?.isSecret ? "" : ` (got "${redactUrl(value.text)}")`;
  return new ConfigError(`${value.source} must be ${expectation}${shown}`);
}

function nonEmpty(value: RawValue): string {
  if (value.text === "") throw invalid(value, "a non-empty value");
  return value.text;
}

function parseList(value: RawValue | undefined): string[] {
  return (value?.text ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
}

function requestLimits(raw: (key: SettingKey) => RawValue | undefined): RequestLimits {
  const count = (key: SettingKey, fallback: number, max = Number.MAX_SAFE_INTEGER) =>
    parse(raw(key), fallback, integerText.pipe(z.number().min(1).max(max)), `an integer from 1 to ${max}`);
  const maxSchemaDepth = count("maxSchemaDepth", DEFAULT_LIMITS.maxSchemaDepth, 100);
  return {
    maxTools: count("maxTools", DEFAULT_LIMITS.maxTools),
    maxPromptChars: count("maxPromptChars", DEFAULT_LIMITS.maxPromptChars),
    maxToolDescriptionChars: count("maxToolDescriptionChars", DEFAULT_LIMITS.maxToolDescriptionChars),
    maxSchemaChars: count("maxSchemaChars", DEFAULT_LIMITS.maxSchemaChars),
    maxSchemaDepth,
    // Bodies nest a little around their schemas: the depth every JSON value may reach follows the schema's.
    maxJsonDepth: Math.max(DEFAULT_LIMITS.maxJsonDepth, maxSchemaDepth + 16),
  };
}

function parseAuth(value: RawValue | undefined, context: { apiKeys: string[]; adminKey: RawValue | undefined; byok: boolean }): AuthMode {
  const keysConfigured = context.apiKeys.length > 0 || context.adminKey !== undefined;
  const mode = parse<AuthMode>(value, keysConfigured ? "keys" : "none", z.enum(["none", "keys", "github"]), "one of none|keys|github");
  if (mode === "github" && context.byok) {
    throw new ConfigError(`${value!.source}=github runs each caller on their own Copilot seat, which BYOK (COPILOT_PROVIDER_BASE_URL) does not use; choose one`);
  }
  if (mode === "github" && context.apiKeys.length > 0) {
    throw new ConfigError(`GATEWAY_API_KEYS (--api-keys) has no use with ${value!.source}=github: callers present their own GitHub tokens`);
  }
  if (mode === "none" && keysConfigured && value !== undefined) {
    throw new ConfigError(`${value.source}=none would let anyone in although keys are configured; remove the keys or choose keys`);
  }
  return mode;
}

/** One or more headless runtimes, comma-separated; each serves its own sessions. */
function parseCliUrls(value: RawValue): string[] {
  const urls = value.text.split(",").map((text) => text.trim()).filter((text) => text !== "").map((text) => parseCliUrl({ ...value, text }));
  if (urls.length === 0) throw invalid(value, "host:port or http://host:port of a running copilot --headless server");
  return [...new Set(urls)];
}

function parseCliUrl(value: RawValue): string {
  // The SDK accepts more (bare port, https://), but plain TCP is all it speaks, so an
  // https:// prefix would only mislead; we take the documented forms and normalise.
  const match = /^(?:http:\/\/)?((?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])):(\d+)\/?$/.exec(value.text);
  const port = Number(match?.[2]);
  if (!match || !(port >= 1 && port <= 65535)) throw invalid(value, "host:port or http://host:port of a running copilot --headless server");
  return `${match[1]}:${port}`;
}

function parseDatabaseUrl(value: RawValue): string {
  // Secret (it may carry a password): the error never shows it.
  if (!/^postgres(?:ql)?:\/\//i.test(value.text) || !URL.canParse(value.text)) throw invalid(value, "a postgres:// or postgresql:// URL");
  return value.text;
}

function parseProvider(raw: (key: SettingKey) => RawValue | undefined): { provider?: ProviderConfig } {
  const baseUrl = raw("providerBaseUrl");
  const type = raw("providerType");
  const apiKey = raw("providerApiKey");
  const wireApi = raw("providerWireApi");
  const models = raw("providerModels");
  if (!baseUrl) {
    const orphan = [type, apiKey, wireApi, models].find((value) => value !== undefined);
    if (orphan) throw new ConfigError(`${orphan.source} needs COPILOT_PROVIDER_BASE_URL (or --provider-base-url) to be set`);
    return {};
  }
  const modelIds = parseList(models);
  const provider: ProviderConfig = {
    type: parse(type, "openai", z.enum(["openai", "azure", "anthropic"]), "one of openai|azure|anthropic"),
    baseUrl: parse(baseUrl, "", z.url({ protocol: /^https?$/ }), "an http:// or https:// URL"),
    ...(apiKey?.text ? { apiKey: apiKey.text } : {}),
    ...(wireApi ? { wireApi: parse(wireApi, undefined, z.enum(["completions", "responses"]), "one of completions|responses") } : {}),
    ...(modelIds.length > 0 ? { models: modelIds } : {}),
  };
  return { provider };
}

function parseCorsOrigins(value: RawValue): string[] {
  const origins = parseList(value);
  if (origins.includes("*")) return ["*"];
  return origins.map((origin) => {
    const trimmed = origin.replace(/\/$/, "");
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s]+$/i.test(trimmed)) {
      throw invalid({ text: origin, source: value.source }, "a comma list of scheme://host[:port] origins, or *");
    }
    // Browsers send http(s) origins lowercased and without a default port; match that
    // form, since CORS compares strings. Other schemes (tauri://, chrome-extension://) stay as given.
    const url = URL.canParse(trimmed) ? new URL(trimmed) : undefined;
    return url && (url.protocol === "http:" || url.protocol === "https:") ? url.origin : trimmed;
  });
}

/** Drops userinfo, query and fragment: the places a URL carries secrets. */
function redactUrl(text: string): string {
  if (!URL.canParse(text) || !text.includes("://")) return text.replace(/\/\/[^/@\s]*@/, "//");
  const url = new URL(text);
  if (!url.username && !url.password && !url.search && !url.hash) return text;
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return url.toString();
}

/** Every setting with its flag, variable(s), default and meaning, for `--help`. */
export function helpText(): string {
  const lines = [
    "Usage: copilot-gateway [options]",
    "       copilot-gateway keys create|list|show|update|revoke ...   (virtual keys; --help for more)",
    "       copilot-gateway usage [--group-by key,model] [--from ...] [--to ...] [--csv]",
    "",
    "OpenAI-compatible HTTP gateway in front of GitHub Copilot.",
    "Every option is also an environment variable; the flag wins. An empty variable counts as unset.",
    "",
  ];
  for (const setting of SETTING_LIST) {
    lines.push(`  --${setting.flag} ${setting.valueHint}`);
    lines.push(`      env: ${setting.env.join(", ")}    default: ${setting.defaultText}`);
    lines.push(`      ${setting.meaning}`);
  }
  lines.push("  -h, --help", "      Show this text.");
  return lines.join("\n");
}

/** The one start-up line. Contract: contains no token, no key, no URL userinfo or query. */
export function describeStartup(config: Config, address: string): string {
  const runtime = config.runtime.kind === "embedded" ? `embedded ×${config.runtimes}` : `external ${config.runtime.urls.map(redactUrl).join(", ")}`;
  const auth = config.provider
    ? `BYOK ${redactUrl(config.provider.baseUrl)}`
    : config.auth === "github"
      ? "each caller's own GitHub token"
      : config.githubToken
        ? "GitHub token"
        : "logged-in user";
  const callers =
    config.auth === "github"
      ? "GitHub users on their own seats"
      : config.auth === "keys"
        ? `API keys required (${config.apiKeys.length} static, and virtual keys)`
        : "no key required";
  const admin = config.adminKey ? "on" : "off";
  const cors = config.corsOrigins.length > 0 ? config.corsOrigins.join(",") : "none";
  return `copilot-gateway listening on ${redactUrl(address)}; runtime: ${runtime}; auth: ${auth}; callers: ${callers}; admin API: ${admin}; CORS: ${cors}`;
}
