import { describe, expect, it } from "vitest";
import { ConfigError, HelpRequested, type Config } from "../../src/config/config.js";
import { loadConfig } from "../../src/config/load-config.js";
import { describeStartup, helpText } from "../../src/config/startup-text.js";

const home = { cacheDir: "/home/u/.cache" };
const load = (argv: string[] = [], env: Record<string, string | undefined> = {}) => loadConfig(argv, env, home);

/** Asserts a ConfigError whose one-line message names `setting`. */
function expectConfigError(run: () => unknown, setting: string): ConfigError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const error = caught as ConfigError;
  expect(error.message).toContain(setting);
  expect(error.message).not.toContain("\n");
  return error;
}

const BYOK = { COPILOT_PROVIDER_BASE_URL: "http://127.0.0.1:9999/v1" };

describe("loadConfig defaults", () => {
  it("serves on loopback with the embedded runtime and no auth", () => {
    expect(load()).toEqual<Config>({
      host: "127.0.0.1",
      port: 3000,
      runtime: { kind: "embedded" },
      runtimes: 1,
      runtimeMaxMemoryBytes: 1024 * 1024 * 1024,
      dataDir: "/home/u/.cache/copilot-gateway",
      outageKeyWindowMs: 300_000,
      databaseQueryTimeoutMs: 10_000,
      spoolMaxBytes: 64 * 1024 * 1024,
      auth: "none",
      githubApiUrl: "https://api.github.com",
      githubUrl: "https://github.com",
      apiKeys: [],
      admins: [],
      adminTeamTtlMs: 300_000,
      corsOrigins: [],
      maxTurns: 100,
      turnQueue: 100,
      queueWaitMs: 30_000,
      limits: { maxTools: 512, maxPromptChars: 4_000_000, maxToolDescriptionChars: 100_000, maxSchemaChars: 100_000, maxSchemaDepth: 64, maxJsonDepth: 128 },
      keepAliveMs: 15_000,
      clientStallMs: 60_000,
      bodyTimeoutMs: 30_000,
      turnTimeoutMs: 30_000,
      shutdownGraceMs: 10_000,
      modelsTtlMs: 300_000,
      maxSessions: 200,
      sessionTtlMs: 1_800_000,
      warmSessions: 4,
      // One runtime of 1,024 MB: room for 12 sessions (~64 MB each above 256), 3 recycled, 4 warm.
      liveSessions: 5,
      recycledSessions: 3,
      modelAliases: new Map(),
      mcpDefaultServers: [],
      mcpAllowedUrls: [],
      mcpMaxCallsPerTurn: 25,
      mcpCallTimeoutMs: 60_000,
      mcpAuditArguments: false,
      mcpSharedStdio: true,
      bodyLimitBytes: 32 * 1024 * 1024,
      strictOpenAI: false,
      logLevel: "info",
    });
  });

  it("puts the data dir under the cache dir without doubling the slash", () => {
    expect(loadConfig([], {}, { cacheDir: "/c/" }).dataDir).toBe("/c/copilot-gateway");
    // One runtime per core by default, at most four.
    expect(loadConfig([], {}, { cacheDir: "/c", cores: 2 }).runtimes).toBe(2);
    expect(loadConfig([], {}, { cacheDir: "/c", cores: 16 }).runtimes).toBe(4);
  });

  it("keeps live as many sessions as the runtimes' memory limit holds, unless told", () => {
    const sessions = (env: Record<string, string> = {}, cores = 2) => {
      const config = loadConfig([], env, { cacheDir: "/c", cores });
      return { live: config.liveSessions, recycled: config.recycledSessions };
    };
    // Two runtimes of 1,024 MB: 2 × 12 sessions, a quarter of them recycled, 4 warm.
    expect(sessions()).toEqual({ live: 14, recycled: 6 });
    expect(sessions({ GATEWAY_RUNTIME_MAX_MEMORY_MB: "4096" })).toEqual({ live: 86, recycled: 30 });
    expect(sessions({ GATEWAY_RUNTIME_MAX_MEMORY_MB: "16384" }, 4)).toEqual({ live: 940, recycled: 64 });
    expect(sessions({ GATEWAY_RUNTIME_MAX_MEMORY_MB: "300" }, 1)).toEqual({ live: 1, recycled: 0 });
    // No limit the gateway keeps (none, or an external runtime's memory): the fixed defaults.
    expect(sessions({ GATEWAY_RUNTIME_MAX_MEMORY_MB: "0" })).toEqual({ live: 128, recycled: 64 });
    expect(sessions({ COPILOT_CLI_URL: "127.0.0.1:4321" })).toEqual({ live: 128, recycled: 64 });
    expect(sessions({ GATEWAY_LIVE_SESSIONS: "40", GATEWAY_RECYCLED_SESSIONS: "0" })).toEqual({ live: 40, recycled: 0 });
  });

  it("treats empty and blank variables as unset", () => {
    expect(load([], { PORT: "", HOST: "  ", GATEWAY_API_KEYS: "" })).toMatchObject({ port: 3000, host: "127.0.0.1", apiKeys: [] });
  });
});

// Each row: the variable, its flag, a valid raw value, and what Config then holds.
const SETTING_CASES: Array<[env: string, flag: string, raw: string, expected: Partial<Config>]> = [
  ["HOST", "--host", "0.0.0.0", { host: "0.0.0.0" }],
  ["PORT", "--port", "8080", { port: 8080 }],
  ["COPILOT_CLI_URL", "--copilot-cli-url", "127.0.0.1:4321", { runtime: { kind: "external", urls: ["127.0.0.1:4321"] } }],
  ["COPILOT_GATEWAY_DATA_DIR", "--data-dir", "/var/lib/gw", { dataDir: "/var/lib/gw" }],
  ["DATABASE_URL", "--database-url", "postgres://gw:pw@db.example:5432/gateway", { databaseUrl: "postgres://gw:pw@db.example:5432/gateway" }],
  ["COPILOT_RUNTIME_HOME", "--copilot-runtime-home", "/srv/copilot-home", { runtimeHome: "/srv/copilot-home" }],
  ["COPILOT_GITHUB_TOKEN", "--github-token", "ghp_secret", { githubToken: "ghp_secret" }],
  ["GATEWAY_API_KEYS", "--api-keys", " k1, ,k2 ", { apiKeys: ["k1", "k2"], corsOrigins: ["*"] }],
  ["GATEWAY_CORS_ORIGINS", "--cors-origins", "https://a.example, http://localhost:5173", { corsOrigins: ["https://a.example", "http://localhost:5173"] }],
  ["GATEWAY_WARM_SESSIONS", "--warm-sessions", "0", { warmSessions: 0 }],
  ["GATEWAY_LIVE_SESSIONS", "--live-sessions", "100", { liveSessions: 100 }],
  ["GATEWAY_RECYCLED_SESSIONS", "--recycled-sessions", "0", { recycledSessions: 0 }],
  ["GATEWAY_RUNTIMES", "--runtimes", "3", { runtimes: 3 }],
  ["GATEWAY_RUNTIME_MAX_MEMORY_MB", "--runtime-max-memory-mb", "0", { runtimeMaxMemoryBytes: 0 }],
  ["GATEWAY_CLIENT_STALL_SECONDS", "--client-stall-seconds", "90", { clientStallMs: 90_000 }],
  ["GATEWAY_KEEPALIVE_SECONDS", "--keepalive-seconds", "0.5", { keepAliveMs: 500 }],
  ["GATEWAY_TURN_TIMEOUT_SECONDS", "--turn-timeout-seconds", "5", { turnTimeoutMs: 5000 }],
  ["GATEWAY_SHUTDOWN_GRACE_SECONDS", "--shutdown-grace-seconds", "0", { shutdownGraceMs: 0 }],
  ["GATEWAY_MODELS_TTL_SECONDS", "--models-ttl-seconds", "60", { modelsTtlMs: 60_000 }],
  ["GATEWAY_MAX_SESSIONS", "--max-sessions", "7", { maxSessions: 7 }],
  ["GATEWAY_SESSION_TTL_SECONDS", "--session-ttl-seconds", "90", { sessionTtlMs: 90_000 }],
  ["GATEWAY_MODEL_ALIASES", "--model-aliases", "claude-3-5-haiku=gpt-4.1-mini, opus=claude-opus-4.1", { modelAliases: new Map([["claude-3-5-haiku", "gpt-4.1-mini"], ["opus", "claude-opus-4.1"]]) }],
  ["GATEWAY_BODY_LIMIT_MB", "--body-limit-mb", "1", { bodyLimitBytes: 1024 * 1024 }],
  ["GATEWAY_OUTAGE_KEY_WINDOW_SECONDS", "--outage-key-window-seconds", "0", { outageKeyWindowMs: 0 }],
  ["GATEWAY_DATABASE_QUERY_TIMEOUT_SECONDS", "--database-query-timeout-seconds", "2", { databaseQueryTimeoutMs: 2_000 }],
  ["GATEWAY_SPOOL_MAX_MB", "--spool-max-mb", "0.5", { spoolMaxBytes: 512 * 1024 }],
  ["GATEWAY_STRICT_OPENAI", "--strict-openai", "yes", { strictOpenAI: true }],
  ["GATEWAY_MCP_AUDIT_ARGUMENTS", "--mcp-audit-arguments", "on", { mcpAuditArguments: true }],
  ["GATEWAY_MCP_SHARED_STDIO", "--mcp-shared-stdio", "false", { mcpSharedStdio: false }],
  ["GATEWAY_LOG_LEVEL", "--log-level", "debug", { logLevel: "debug" }],
  ["GATEWAY_ADMINS", "--admins", "Octocat, ,hubot-2", { admins: ["Octocat", "hubot-2"] }],
  ["GATEWAY_ADMIN_TEAM", "--admin-team", "octo-org/gateway-admins", { adminTeam: { org: "octo-org", slug: "gateway-admins" } }],
  ["GATEWAY_ADMIN_TEAM_TTL_SECONDS", "--admin-team-ttl-seconds", "60", { adminTeamTtlMs: 60_000 }],
  ["COPILOT_PROVIDER_BASE_URL", "--provider-base-url", "https://llm.example/v1", { provider: { type: "openai", baseUrl: "https://llm.example/v1" } }],
];

describe("each setting from its variable and its flag", () => {
  it.each(SETTING_CASES)("%s / %s", (envName, flag, raw, expected) => {
    expect(load([], { [envName]: raw })).toMatchObject(expected);
    expect(load([flag, raw])).toMatchObject(expected);
    expect(load([`${flag}=${raw}`])).toMatchObject(expected);
  });

  it.each([
    ["COPILOT_PROVIDER_TYPE", "--provider-type", "azure", { type: "azure" }],
    ["COPILOT_PROVIDER_API_KEY", "--provider-api-key", "sk-secret", { apiKey: "sk-secret" }],
    ["COPILOT_PROVIDER_WIRE_API", "--provider-wire-api", "responses", { wireApi: "responses" }],
    ["COPILOT_PROVIDER_MODELS", "--provider-models", "gpt-a, ,gpt-b,", { models: ["gpt-a", "gpt-b"] }],
  ])("%s / %s (BYOK)", (envName, flag, raw, expected) => {
    expect(load([], { ...BYOK, [envName]: raw }).provider).toMatchObject(expected);
    expect(load([flag, raw], BYOK).provider).toMatchObject(expected);
    expect(load([`${flag}=${raw}`], BYOK).provider).toMatchObject(expected);
  });

  it("lets the flag beat the variable", () => {
    const config = load(["--port", "4000", "--log-level=warn", "--strict-openai", "false"], {
      PORT: "5000",
      GATEWAY_LOG_LEVEL: "error",
      GATEWAY_STRICT_OPENAI: "true",
    });
    expect(config).toMatchObject({ port: 4000, logLevel: "warn", strictOpenAI: false });
    expect(load(["--github-token", "from-flag"], { COPILOT_GITHUB_TOKEN: "from-env" }).githubToken).toBe("from-flag");
  });

  it("takes a bare boolean flag as true without swallowing the next flag", () => {
    expect(load(["--strict-openai", "--port", "1"])).toMatchObject({ strictOpenAI: true, port: 1 });
    expect(load(["--strict-openai"]).strictOpenAI).toBe(true);
    expect(load(["--strict-openai", "off"]).strictOpenAI).toBe(false);
  });

  it.each(["1", "true", "YES", "on"])("reads %s as true", (word) => {
    expect(load([], { GATEWAY_STRICT_OPENAI: word }).strictOpenAI).toBe(true);
  });

  it.each(["0", "false", "no", "Off"])("reads %s as false", (word) => {
    expect(load([], { GATEWAY_STRICT_OPENAI: word }).strictOpenAI).toBe(false);
  });

  it("accepts http://host:port and [ipv6]:port for the external runtime", () => {
    expect(load([], { COPILOT_CLI_URL: "http://localhost:4321" }).runtime).toEqual({ kind: "external", urls: ["localhost:4321"] });
    expect(load([], { COPILOT_CLI_URL: "[::1]:4321" }).runtime).toEqual({ kind: "external", urls: ["[::1]:4321"] });
    // Several headless runtimes, each serving its own sessions.
    expect(load([], { COPILOT_CLI_URL: "rt-a:4321, http://rt-b:4321,rt-a:4321" }).runtime).toEqual({ kind: "external", urls: ["rt-a:4321", "rt-b:4321"] });
    expectConfigError(() => load([], { COPILOT_CLI_URL: "rt-a:4321,rt-b" }), "COPILOT_CLI_URL");
  });

  it("normalises http origins the way browsers send them", () => {
    expect(load([], { GATEWAY_CORS_ORIGINS: "HTTP://App.Example:80/, tauri://localhost" }).corsOrigins).toEqual([
      "http://app.example",
      "tauri://localhost",
    ]);
    expect(load([], { GATEWAY_CORS_ORIGINS: "https://a.example,*" }).corsOrigins).toEqual(["*"]);
  });
});

describe("GitHub token precedence", () => {
  it("prefers COPILOT_GITHUB_TOKEN, then GH_TOKEN, then GITHUB_TOKEN", () => {
    const all = { COPILOT_GITHUB_TOKEN: "a", GH_TOKEN: "b", GITHUB_TOKEN: "c" };
    expect(load([], all).githubToken).toBe("a");
    expect(load([], { ...all, COPILOT_GITHUB_TOKEN: "" }).githubToken).toBe("b");
    expect(load([], { ...all, COPILOT_GITHUB_TOKEN: undefined, GH_TOKEN: "" }).githubToken).toBe("c");
    expect(load([], { GITHUB_TOKEN: "c" }).githubToken).toBe("c");
    expect(load([]).githubToken).toBeUndefined();
  });
});

describe("CORS default", () => {
  it("allows any origin when API keys protect the gateway", () => {
    expect(load([], { GATEWAY_API_KEYS: "k" }).corsOrigins).toEqual(["*"]);
  });

  it("allows no origin when the gateway is open", () => {
    expect(load().corsOrigins).toEqual([]);
  });

  it("keeps an explicit list, or an explicit empty flag, over the default", () => {
    expect(load([], { GATEWAY_API_KEYS: "k", GATEWAY_CORS_ORIGINS: "https://a.example" }).corsOrigins).toEqual(["https://a.example"]);
    expect(load(["--cors-origins="], { GATEWAY_API_KEYS: "k" }).corsOrigins).toEqual([]);
  });
});

describe("invalid values", () => {
  it.each<[Record<string, string>, string]>([
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "65536" }, "PORT"],
    [{ PORT: "-1" }, "PORT"],
    [{ PORT: "80.5" }, "PORT"],
    [{ HOST: "a b" }, "HOST"],
    [{ COPILOT_CLI_URL: "localhost" }, "COPILOT_CLI_URL"],
    [{ COPILOT_CLI_URL: "https://localhost:4321" }, "COPILOT_CLI_URL"],
    [{ COPILOT_CLI_URL: "localhost:0" }, "COPILOT_CLI_URL"],
    [{ COPILOT_CLI_URL: "localhost:4321/path" }, "COPILOT_CLI_URL"],
    [{ COPILOT_PROVIDER_BASE_URL: "ftp://x.example" }, "COPILOT_PROVIDER_BASE_URL"],
    [{ COPILOT_PROVIDER_BASE_URL: "not a url" }, "COPILOT_PROVIDER_BASE_URL"],
    [{ ...BYOK, COPILOT_PROVIDER_TYPE: "bedrock" }, "COPILOT_PROVIDER_TYPE"],
    [{ ...BYOK, COPILOT_PROVIDER_WIRE_API: "chat" }, "COPILOT_PROVIDER_WIRE_API"],
    [{ GATEWAY_CORS_ORIGINS: "example.com" }, "GATEWAY_CORS_ORIGINS"],
    [{ GATEWAY_CORS_ORIGINS: "https://a.example/path" }, "GATEWAY_CORS_ORIGINS"],
    [{ GATEWAY_KEEPALIVE_SECONDS: "0" }, "GATEWAY_KEEPALIVE_SECONDS"],
    [{ GATEWAY_TURN_TIMEOUT_SECONDS: "0" }, "GATEWAY_TURN_TIMEOUT_SECONDS"],
    [{ GATEWAY_TURN_TIMEOUT_SECONDS: "soon" }, "GATEWAY_TURN_TIMEOUT_SECONDS"],
    [{ GATEWAY_SHUTDOWN_GRACE_SECONDS: "-1" }, "GATEWAY_SHUTDOWN_GRACE_SECONDS"],
    [{ GATEWAY_MODELS_TTL_SECONDS: "1e3" }, "GATEWAY_MODELS_TTL_SECONDS"],
    [{ GATEWAY_MAX_SESSIONS: "0" }, "GATEWAY_MAX_SESSIONS"],
    [{ GATEWAY_MAX_SESSIONS: "many" }, "GATEWAY_MAX_SESSIONS"],
    [{ GATEWAY_SESSION_TTL_SECONDS: "0" }, "GATEWAY_SESSION_TTL_SECONDS"],
    [{ GATEWAY_MODEL_ALIASES: "claude-sonnet-4-5" }, "GATEWAY_MODEL_ALIASES"],
    [{ GATEWAY_BODY_LIMIT_MB: "0" }, "GATEWAY_BODY_LIMIT_MB"],
    [{ GATEWAY_OUTAGE_KEY_WINDOW_SECONDS: "-5" }, "GATEWAY_OUTAGE_KEY_WINDOW_SECONDS"],
    [{ GATEWAY_SPOOL_MAX_MB: "0" }, "GATEWAY_SPOOL_MAX_MB"],
    [{ GATEWAY_STRICT_OPENAI: "maybe" }, "GATEWAY_STRICT_OPENAI"],
    [{ GATEWAY_LOG_LEVEL: "trace" }, "GATEWAY_LOG_LEVEL"],
    [{ GATEWAY_ADMINS: "octocat,not a login" }, "GATEWAY_ADMINS"],
    [{ GATEWAY_ADMINS: "-octocat" }, "GATEWAY_ADMINS"],
    [{ GATEWAY_ADMIN_TEAM: "octo-org" }, "GATEWAY_ADMIN_TEAM"],
    [{ GATEWAY_ADMIN_TEAM: "octo-org/admins/extra" }, "GATEWAY_ADMIN_TEAM"],
    [{ GATEWAY_ADMIN_TEAM: "/admins" }, "GATEWAY_ADMIN_TEAM"],
    [{ GATEWAY_ADMIN_TEAM_TTL_SECONDS: "0" }, "GATEWAY_ADMIN_TEAM_TTL_SECONDS"],
  ])("%o names %s", (env, setting) => {
    expectConfigError(() => load([], env), setting);
  });

  it("names the flag when the bad value came from a flag", () => {
    const error = expectConfigError(() => load(["--port", "abc"], { PORT: "1" }), "--port");
    expect(error.message).toBe('--port must be an integer from 0 to 65535 (got "abc")');
  });

  it("rejects unknown flags, positional arguments and missing values", () => {
    expectConfigError(() => load(["--prot", "1"]), "--prot");
    expect(expectConfigError(() => load(["--nope=secret"]), "--nope").message).not.toContain("secret");
    expectConfigError(() => load(["8080"]), "8080");
    expectConfigError(() => load(["--port"]), "--port");
    expectConfigError(() => load(["--port", "--host", "x"]), "--port");
    expectConfigError(() => load(["--data-dir="]), "--data-dir");
  });

  it.each(["COPILOT_PROVIDER_TYPE", "COPILOT_PROVIDER_API_KEY", "COPILOT_PROVIDER_WIRE_API", "COPILOT_PROVIDER_MODELS"])(
    "rejects %s without a provider base URL",
    (envName) => {
      const error = expectConfigError(() => load([], { [envName]: "openai" }), envName);
      expect(error.message).toContain("COPILOT_PROVIDER_BASE_URL");
    },
  );

  it("never echoes a secret in an error", () => {
    const error = expectConfigError(() => load(["--github-token="]), "--github-token");
    expect(error.message).not.toContain("got");
    const urlError = expectConfigError(() => load([], { COPILOT_PROVIDER_BASE_URL: "ftp://user:pw@x.example/?key=s3" }), "COPILOT_PROVIDER_BASE_URL");
    expect(urlError.message).not.toMatch(/pw|s3/);
    const databaseError = expectConfigError(() => load([], { DATABASE_URL: "mysql://gw:hunter2@db.example/gateway" }), "DATABASE_URL");
    expect(databaseError.message).toContain("postgres://");
    expect(databaseError.message).not.toMatch(/hunter2|gw:|db\.example/);
  });
});

describe("help", () => {
  it("is requested by --help and -h, even next to invalid settings", () => {
    expect(() => load(["--help"])).toThrow(HelpRequested);
    expect(() => load(["--port", "abc", "-h"])).toThrow(HelpRequested);
  });

  it("mentions every variable and flag with its default", () => {
    const text = helpText();
    const names = [
      "HOST", "PORT", "COPILOT_CLI_URL", "COPILOT_GATEWAY_DATA_DIR", "COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN",
      "COPILOT_PROVIDER_BASE_URL", "COPILOT_PROVIDER_TYPE", "COPILOT_PROVIDER_API_KEY", "COPILOT_PROVIDER_WIRE_API",
      "COPILOT_PROVIDER_MODELS", "GATEWAY_API_KEYS", "GATEWAY_CORS_ORIGINS", "GATEWAY_KEEPALIVE_SECONDS",
      "GATEWAY_TURN_TIMEOUT_SECONDS", "GATEWAY_SHUTDOWN_GRACE_SECONDS", "GATEWAY_MODELS_TTL_SECONDS",
      "GATEWAY_BODY_LIMIT_MB", "GATEWAY_STRICT_OPENAI", "GATEWAY_LOG_LEVEL", "GATEWAY_MAX_SESSIONS",
      "GATEWAY_SESSION_TTL_SECONDS", "GATEWAY_MODEL_ALIASES", "DATABASE_URL",
    ];
    for (const name of names) expect(text).toContain(name);
    for (const [, flag] of SETTING_CASES) expect(text).toContain(flag);
    for (const fallback of ["127.0.0.1", "3000", "openai", "15", "30", "10", "300", "32", "info", "gateway.sqlite"]) expect(text).toContain(fallback);
  });
});

describe("describeStartup", () => {
  it("states address, runtime, auth, key requirement and CORS without any secret", () => {
    const config = load([], {
      COPILOT_CLI_URL: "127.0.0.1:4321",
      COPILOT_GITHUB_TOKEN: "ghp_TOKENVALUE",
      COPILOT_PROVIDER_BASE_URL: "https://alice:hunter2@llm.example/v1?api-key=QUERYSECRET#frag",
      COPILOT_PROVIDER_API_KEY: "sk-PROVIDERKEY",
      GATEWAY_API_KEYS: "gw-KEYONE,gw-KEYTWO",
    });
    const line = describeStartup(config, "http://127.0.0.1:3000");
    expect(line).toContain("http://127.0.0.1:3000");
    expect(line).toContain("external 127.0.0.1:4321");
    expect(line).toContain("BYOK https://llm.example/v1");
    expect(line).toContain("callers: API keys required (2 static, and virtual keys)");
    expect(line).toContain("CORS: *");
    for (const secret of ["ghp_TOKENVALUE", "alice", "hunter2", "QUERYSECRET", "frag", "sk-PROVIDERKEY", "gw-KEYONE", "gw-KEYTWO"]) {
      expect(line).not.toContain(secret);
    }
    expect(line).not.toContain("\n");
  });

  it("names the auth mode without a provider", () => {
    expect(describeStartup(load([], { GH_TOKEN: "ghp_X" }), "http://h:1")).toMatch(/auth: GitHub token/);
    expect(describeStartup(load(), "http://h:1")).toMatch(/runtime: embedded.*auth: logged-in user.*callers: no key required; admin API: off; CORS: none/);
  });
});

describe("who may call", () => {
  it("keeps existing set-ups: keys whenever static or admin keys are set, none otherwise", () => {
    expect(load().auth).toBe("none");
    expect(load([], { GATEWAY_API_KEYS: "k1" }).auth).toBe("keys");
    expect(load([], { GATEWAY_ADMIN_KEY: "admin" })).toMatchObject({ auth: "keys", adminKey: "admin", corsOrigins: ["*"] });
    expect(load(["--auth", "github"]).auth).toBe("github");
    expect(load([], { GATEWAY_AUTH: "keys" }).auth).toBe("keys");
  });

  it("refuses combinations that cannot mean what they say, naming the setting", () => {
    expectConfigError(() => load([], { GATEWAY_AUTH: "github", ...BYOK }), "GATEWAY_AUTH");
    expectConfigError(() => load([], { GATEWAY_AUTH: "github", GATEWAY_API_KEYS: "k" }), "GATEWAY_API_KEYS");
    expectConfigError(() => load([], { GATEWAY_AUTH: "none", GATEWAY_API_KEYS: "k" }), "GATEWAY_AUTH");
    expectConfigError(() => load([], { GATEWAY_AUTH: "open" }), "GATEWAY_AUTH");
    expectConfigError(() => load(["--max-turns", "0"]), "--max-turns");
  });

  it("never shows the admin key in an error or the start-up line", () => {
    const line = describeStartup(load([], { GATEWAY_ADMIN_KEY: "adm-SECRET" }), "http://h:1");
    expect(line).toContain("admin API: on");
    expect(line).not.toContain("adm-SECRET");
  });
});

describe("server-side tools (MCP)", () => {
  it("takes the server file, the default grants and the per-turn limits", () => {
    const config = load(["--mcp-config", "/etc/gateway/mcp.json", "--mcp-max-calls-per-turn", "5"], { GATEWAY_MCP_DEFAULT_SERVERS: "grafana, logs", GATEWAY_MCP_CALL_TIMEOUT_SECONDS: "2.5" });
    expect(config).toMatchObject({ mcpConfigPath: "/etc/gateway/mcp.json", mcpDefaultServers: ["grafana", "logs"], mcpMaxCallsPerTurn: 5, mcpCallTimeoutMs: 2_500 });
    expect(load([], { GATEWAY_MCP_CONFIG: "mcp.json", GATEWAY_MCP_DEFAULT_SERVERS: "*" }).mcpDefaultServers).toEqual(["*"]);
  });

  it("refuses default grants without a server file, or that are not server names", () => {
    expectConfigError(() => load([], { GATEWAY_MCP_DEFAULT_SERVERS: "logs" }), "GATEWAY_MCP_DEFAULT_SERVERS");
    expectConfigError(() => load(["--mcp-config", "m.json", "--mcp-default-servers", "logs,bad name"]), "--mcp-default-servers");
    expectConfigError(() => load(["--mcp-max-calls-per-turn", "0"]), "--mcp-max-calls-per-turn");
    expectConfigError(() => load([], { GATEWAY_MCP_CALL_TIMEOUT_SECONDS: "-1" }), "GATEWAY_MCP_CALL_TIMEOUT_SECONDS");
  });
});

describe("agents", () => {
  it("takes the agents directory and the model agents without one run on", () => {
    expect(load(["--agents-dir", "/etc/gateway/agents"], { GATEWAY_AGENTS_DEFAULT_MODEL: "gpt-4.1" })).toMatchObject({ agentsDir: "/etc/gateway/agents", agentsDefaultModel: "gpt-4.1" });
    expect(load([], { GATEWAY_AGENTS_DIR: ".github/agents" })).not.toHaveProperty("agentsDefaultModel");
  });

  it("refuses a default model for agents without an agents directory", () => {
    expectConfigError(() => load([], { GATEWAY_AGENTS_DEFAULT_MODEL: "gpt-4.1" }), "GATEWAY_AGENTS_DEFAULT_MODEL");
  });
});
