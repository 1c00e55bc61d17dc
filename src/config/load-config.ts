// Flags and environment variables → one typed Config.
// Pure on purpose: the entry passes argv, env and the cache dir, and decides how
// to exit, so every rule here is testable without a process. Web-standard only.
import { z } from "zod";
import { parseAdminTeam } from "../access/admin-rights.js";
import type { AuthMode } from "../access/caller.js";
import { DEFAULT_LIMITS, type RequestLimits } from "../core/request-limits.js";
import { ConfigError, HelpRequested, type Config, type ProviderConfig } from "./config.js";
import { MAX_DEFAULT_RUNTIMES, SETTING_LIST, SETTINGS, type SettingDefinition, type SettingKey, type SettingWithDefaultValue } from "./settings.js";
import { sessionDefaults } from "./session-memory.js";
import { githubUrls, signInSettings } from "./sign-in-settings.js";
import {
  decimalText,
  integerText,
  isBooleanLiteral,
  isBooleanWord,
  nonEmpty,
  parse,
  parseCliUrls,
  parseCorsOrigins,
  parseDatabaseUrl,
  parseList,
  parseModelAliases,
  seconds,
  type RawValue,
} from "./value-parsers.js";

const BY_FLAG = new Map<string, SettingDefinition>(SETTING_LIST.map((s) => [s.flag, s]));

/** A setting's value as given: its flag, else its first non-empty variable; undefined when not given. */
type GivenValue = (key: SettingKey) => RawValue | undefined;
/** A setting's value as given, else its default from the table. */
type ValueOrDefault = (key: SettingWithDefaultValue) => RawValue;

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
  const raw: GivenValue = (key) => {
    const setting: SettingDefinition = SETTINGS[key];
    const fromFlag = flags.get(setting.flag);
    if (fromFlag !== undefined) return { text: fromFlag.trim(), source: `--${setting.flag}` };
    for (const name of setting.env) {
      const text = env[name]?.trim();
      if (text) return { text, source: name };
    }
    return undefined;
  };
  const value: ValueOrDefault = (key) => raw(key) ?? defaultValue(key);

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
  const runtimeCount = runtimeCountOf(raw("runtimes"), home.cores);
  const runtimeMaxMemoryMb = parse(value("runtimeMaxMemory"), decimalText.pipe(z.number().nonnegative()), "a number, 0 or more");
  const warmSessions = parse(value("warmSessions"), integerText.pipe(z.number().max(1000)), "an integer from 0 to 1000");
  // External runtimes' memory is theirs to bound: the gateway cannot see it.
  const sessions = sessionDefaults(cliUrl ? undefined : runtimeMaxMemoryMb, runtimeCount, warmSessions);
  const recycledSessions = raw("recycledSessions");
  const liveSessions = raw("liveSessions");

  return {
    host: parse(value("host"), z.string().regex(/^\S+$/), "a host name or IP address"),
    port: parse(value("port"), integerText.pipe(z.number().max(65535)), "an integer from 0 to 65535"),
    runtime: cliUrl ? { kind: "external", urls: parseCliUrls(cliUrl), ...(cliToken ? { token: nonEmpty(cliToken) } : {}) } : { kind: "embedded" },
    dataDir: dataDir ? nonEmpty(dataDir) : `${home.cacheDir.replace(/[\\/]+$/, "")}/copilot-gateway`,
    ...(databaseUrl ? { databaseUrl: parseDatabaseUrl(databaseUrl) } : {}),
    ...(runtimeHome ? { runtimeHome: nonEmpty(runtimeHome) } : {}),
    outageKeyWindowMs: seconds(value("outageKeyWindow"), "nonnegative"),
    databaseQueryTimeoutMs: seconds(value("databaseQueryTimeout"), "positive"),
    spoolMaxBytes: Math.round(parse(value("spoolMax"), decimalText.pipe(z.number().positive()), "a number greater than 0") * 1024 * 1024),
    runtimes: runtimeCount,
    runtimeMaxMemoryBytes: Math.round(runtimeMaxMemoryMb * 1024 * 1024),
    ...(githubToken ? { githubToken: nonEmpty(githubToken) } : {}),
    ...provider,
    auth,
    ...githubUrls(raw),
    ...signInSettings(raw, auth),
    apiKeys,
    ...(adminKey ? { adminKey: nonEmpty(adminKey) } : {}),
    ...adminRightsSettings(raw, value),
    corsOrigins: cors ? parseCorsOrigins(cors) : auth !== "none" ? ["*"] : [],
    maxTurns: parse(value("maxTurns"), integerText.pipe(z.number().min(1)), "an integer of at least 1"),
    turnQueue: parse(value("turnQueue"), integerText, "an integer, 0 or more"),
    queueWaitMs: seconds(value("queueWait"), "positive"),
    limits: requestLimits(value),
    keepAliveMs: seconds(value("keepAlive"), "positive"),
    clientStallMs: seconds(value("clientStall"), "positive"),
    bodyTimeoutMs: seconds(value("bodyTimeout"), "positive"),
    turnTimeoutMs: seconds(value("turnTimeout"), "positive"),
    shutdownGraceMs: seconds(value("shutdownGrace"), "nonnegative"),
    modelsTtlMs: seconds(value("modelsTtl"), "nonnegative"),
    maxSessions: parse(value("maxSessions"), integerText.pipe(z.number().min(1)), "an integer of at least 1"),
    sessionTtlMs: seconds(value("sessionTtl"), "positive"),
    warmSessions,
    recycledSessions: recycledSessions ? parse(recycledSessions, integerText.pipe(z.number().max(100_000)), "an integer, 0 or more") : sessions.recycled,
    liveSessions: liveSessions ? parse(liveSessions, integerText.pipe(z.number().max(100_000)), "an integer, 0 or more") : sessions.live,
    modelAliases: parseModelAliases(raw("modelAliases")),
    ...mcpSettings(raw, value),
    ...agentSettings(raw),
    bodyLimitBytes: Math.round(parse(value("bodyLimit"), decimalText.pipe(z.number().positive()), "a number greater than 0") * 1024 * 1024),
    strictOpenAI: parse(value("strictOpenAI"), z.string().refine(isBooleanLiteral).transform(isBooleanWord), "one of 1|true|yes|on|0|false|no|off"),
    logLevel: parse(value("logLevel"), z.enum(["error", "warn", "info", "debug"]), "one of error|warn|info|debug"),
  };
}

/** The table's default, read like a given value; named after the flag should it ever fail to parse. */
function defaultValue(key: SettingWithDefaultValue): RawValue {
  const setting = SETTINGS[key];
  return { text: setting.defaultValue, source: `--${setting.flag}` };
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

/** GATEWAY_RUNTIMES, else one per core (at most MAX_DEFAULT_RUNTIMES). */
function runtimeCountOf(given: RawValue | undefined, cores: number | undefined): number {
  return given ? parse(given, integerText.pipe(z.number().min(1).max(64)), "an integer from 1 to 64") : Math.min(MAX_DEFAULT_RUNTIMES, Math.max(1, cores ?? 1));
}

function requestLimits(value: ValueOrDefault): RequestLimits {
  const count = (key: SettingWithDefaultValue, max = Number.MAX_SAFE_INTEGER) =>
    parse(value(key), integerText.pipe(z.number().min(1).max(max)), `an integer from 1 to ${max}`);
  const maxSchemaDepth = count("maxSchemaDepth", 100);
  return {
    maxTools: count("maxTools"),
    maxPromptChars: count("maxPromptChars"),
    maxToolDescriptionChars: count("maxToolDescriptionChars"),
    maxSchemaChars: count("maxSchemaChars"),
    maxSchemaDepth,
    // Bodies nest a little around their schemas: the depth every JSON value may reach follows the schema's.
    maxJsonDepth: Math.max(DEFAULT_LIMITS.maxJsonDepth, maxSchemaDepth + 16),
  };
}

function parseAuth(value: RawValue | undefined, context: { apiKeys: string[]; adminKey: RawValue | undefined; byok: boolean }): AuthMode {
  const keysConfigured = context.apiKeys.length > 0 || context.adminKey !== undefined;
  const mode: AuthMode = value ? parse(value, z.enum(["none", "keys", "github"]), "one of none|keys|github") : keysConfigured ? "keys" : "none";
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

function parseProvider(raw: GivenValue): { provider?: ProviderConfig } {
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
    type: parse(type ?? defaultValue("providerType"), z.enum(["openai", "azure", "anthropic"]), "one of openai|azure|anthropic"),
    baseUrl: parse(baseUrl, z.url({ protocol: /^https?$/ }), "an http:// or https:// URL"),
    ...(apiKey?.text ? { apiKey: apiKey.text } : {}),
    ...(wireApi ? { wireApi: parse(wireApi, z.enum(["completions", "responses"]), "one of completions|responses") } : {}),
    ...(modelIds.length > 0 ? { models: modelIds } : {}),
  };
  return { provider };
}

/** A server name as the MCP file may give it, or `*`. */
const SERVER_NAME = /^(\*|[A-Za-z0-9_-]{1,64})$/;

/** URL prefixes: each an http(s) URL, so a typo cannot allow more than meant. */
function allowedUrls(given: ReturnType<GivenValue>): string[] {
  const prefixes = parseList(given);
  for (const prefix of prefixes) {
    let protocol: string | undefined;
    try {
      protocol = new URL(prefix).protocol;
    } catch {
      protocol = undefined;
    }
    if (protocol !== "https:" && protocol !== "http:") throw new ConfigError(`${given!.source} must be http(s) URL prefixes separated by commas, not "${prefix}"`);
  }
  return prefixes;
}

function mcpSettings(raw: GivenValue, value: ValueOrDefault): Pick<Config, "mcpConfigPath" | "mcpDefaultServers" | "mcpAllowedUrls" | "mcpMaxCallsPerTurn" | "mcpCallTimeoutMs" | "mcpAuditArguments" | "mcpSharedStdio"> {
  const file = raw("mcpConfig");
  const defaults = raw("mcpDefaultServers");
  const servers = parseList(defaults);
  const badName = servers.find((name) => !SERVER_NAME.test(name));
  if (defaults && badName !== undefined) throw new ConfigError(`${defaults.source} must be server names (letters, digits, '_' or '-') or *, not "${badName}"`);
  if (defaults && servers.length > 0 && !file) throw new ConfigError(`${defaults.source} names servers, but no MCP server file is given (GATEWAY_MCP_CONFIG or --mcp-config)`);
  return {
    ...(file ? { mcpConfigPath: nonEmpty(file) } : {}),
    mcpDefaultServers: servers,
    mcpAllowedUrls: allowedUrls(raw("mcpAllowedUrls")),
    mcpMaxCallsPerTurn: parse(value("mcpMaxCallsPerTurn"), integerText.pipe(z.number().min(1).max(1000)), "an integer from 1 to 1000"),
    mcpCallTimeoutMs: seconds(value("mcpCallTimeout"), "positive"),
    mcpAuditArguments: parse(value("mcpAuditArguments"), z.string().refine(isBooleanLiteral).transform(isBooleanWord), "one of 1|true|yes|on|0|false|no|off"),
    mcpSharedStdio: parse(value("mcpSharedStdio"), z.string().refine(isBooleanLiteral).transform(isBooleanWord), "one of 1|true|yes|on|0|false|no|off"),
  };
}

function agentSettings(raw: GivenValue): Pick<Config, "agentsDir" | "agentsDefaultModel"> {
  const dir = raw("agentsDir");
  const defaultModel = raw("agentsDefaultModel");
  if (defaultModel && !dir) throw new ConfigError(`${defaultModel.source} names the agents' model, but no agents directory is given (GATEWAY_AGENTS_DIR or --agents-dir)`);
  return {
    ...(dir ? { agentsDir: nonEmpty(dir) } : {}),
    ...(defaultModel ? { agentsDefaultModel: nonEmpty(defaultModel) } : {}),
  };
}

const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/;

function adminRightsSettings(raw: GivenValue, value: ValueOrDefault): Pick<Config, "admins" | "adminTeam" | "adminTeamTtlMs"> {
  const given = raw("admins");
  const admins = parseList(given);
  const badLogin = admins.find((login) => !GITHUB_LOGIN.test(login));
  if (given && badLogin !== undefined) throw new ConfigError(`${given.source} must be GitHub logins separated by commas, not "${badLogin}"`);
  const teamText = raw("adminTeam");
  const team = teamText ? parseAdminTeam(teamText.text) : undefined;
  if (teamText && team === undefined) throw new ConfigError(`${teamText.source} must be a GitHub team as org/team-slug (got "${teamText.text}")`);
  return { admins, ...(team ? { adminTeam: team } : {}), adminTeamTtlMs: seconds(value("adminTeamTtl"), "positive") };
}
