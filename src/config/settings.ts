// Every setting the gateway takes, in one table: its flag, environment
// variable(s), default, meaning and what it is for. The loader reads flags and
// defaults from it, --help prints it and docs/configuration.md is generated
// from it (npm run docs:config), so all three say what the gateway does.
import { DEFAULT_LIMITS } from "../core/request-limits.js";
import { DEFAULT_MAX_SERVER_TOOL_CALLS, DEFAULT_SERVER_TOOL_TIMEOUT_MS } from "../turns/server-tool-calls.js";

/**
 * What settings are for: the configuration page has a section for each, in this
 * order. `about` is Markdown for that page; its links are relative to docs/.
 */
export const SETTING_GROUPS = {
  server: { title: "Server", about: "Where the gateway listens, which browser pages may call it, what it logs, and how long streams in flight may finish when it stops ([shutting down](operations.md#shutting-down))." },
  callers: { title: "Callers and keys", about: "Who may call the gateway ([auth modes](team.md#auth-modes)), the key to its admin API, and who is an admin when signed in with GitHub ([admins and the audit](team.md#admins-and-the-audit-of-admin-changes))." },
  signIn: { title: "Signing in with GitHub", about: "With `--auth github`: the company's own GitHub App (or OAuth App) through which people sign in, in the console or with `copilot-gateway login`, and get personal keys that run on their own Copilot seat ([signing in](signing-in.md)). Sign-in is on when the client id is set; then every other setting here but the URLs is required, and a missing one stops the start naming it." },
  runtime: { title: "Copilot runtime", about: "The Copilot runtimes that run the conversations: embedded child processes, or `copilot --headless` servers already running ([external headless runtime](operations.md#external-headless-runtime)); and the GitHub token they use." },
  provider: { title: "Your own model provider (BYOK)", about: "Models from an OpenAI-, Azure- or Anthropic-compatible endpoint of your own instead of Copilot's ([BYOK](operations.md#byok-your-own-model-provider)). The other settings here are an error without the base URL." },
  data: { title: "Data", about: "Where the gateway keeps what it knows: session state on disk; virtual keys, usage records and kept Responses in SQLite or PostgreSQL ([storage](team.md#storage))." },
  load: { title: "Turns in flight", about: "How many turns run at once; when that many run, how many more may wait for a slot, and for how long ([limits and fairness](team.md#limits-and-fairness))." },
  streams: { title: "Streams and deadlines", about: "While a turn runs: how often a silent stream gets a keep-alive, and how long the gateway waits on the model and on the client ([clients that stop reading](operations.md#clients-that-stop-reading))." },
  sessions: { title: "Sessions", about: "The Copilot sessions kept so that conversations go on without starting over ([warm and live sessions](clients.md#warm-and-live-sessions))." },
  models: { title: "Models and responses", about: "Which models clients see, under which names ([model names](clients.md#model-names)), and what the answers carry ([strict mode](clients.md#strict-mode))." },
  tools: { title: "Tools and agents on the server", about: "The company's MCP servers, which the Copilot runtime runs for the sessions of callers granted them, and its agents, served as models; never on by default ([tools and agents](tools.md))." },
  limits: { title: "Request limits", about: "What one request may ask of the runtime; a request beyond a limit is refused (400, or 413 for the body) before the runtime sees it ([what one request may ask](team.md#what-one-request-may-ask))." },
} as const;

export type SettingGroup = keyof typeof SETTING_GROUPS;

interface SettingFields {
  group: SettingGroup;
  flag: string;
  /** Read in order; the first non-empty one wins. */
  env: readonly string[];
  valueHint: string;
  meaning: string;
  isBoolean?: boolean;
  /** Never echoed back in an error message. */
  isSecret?: boolean;
}

/**
 * A setting's default is either a value, written as a user would give it, which
 * the loader reads like a given one (so what --help says is what happens), or,
 * where it is worked out at start-up or means "off", words saying so.
 */
export type SettingDefinition =
  | (SettingFields & { defaultValue: string; defaultText?: never })
  | (SettingFields & { defaultText: string; defaultValue?: never });

/**
 * Runtimes by default: one per core, as each runtime's work is mostly one
 * thread's (2 runtimes on 2 cores served 1.2–1.3× the new conversations of
 * one at concurrency 50); more than 4 mostly costs memory (~100–250 MB each).
 */
export const MAX_DEFAULT_RUNTIMES = 4;

export const SETTINGS = {
  host: { group: "server", flag: "host", env: ["HOST"], valueHint: "<host>", defaultValue: "127.0.0.1", meaning: "Interface to listen on." },
  port: { group: "server", flag: "port", env: ["PORT"], valueHint: "<port>", defaultValue: "3000", meaning: "TCP port to listen on (0 picks a free one)." },
  cliUrl: { group: "runtime", flag: "copilot-cli-url", env: ["COPILOT_CLI_URL"], valueHint: "<host:port,...>", defaultText: "embedded runtime", meaning: "Use running `copilot --headless` servers (comma-separated; a new conversation goes to the one carrying the fewest sessions) instead of spawning runtimes." },
  cliToken: { group: "runtime", flag: "copilot-cli-token", env: ["COPILOT_CONNECTION_TOKEN"], valueHint: "<token>", defaultText: "none", meaning: "With --copilot-cli-url: the connection token the headless runtime was started with (its COPILOT_CONNECTION_TOKEN).", isSecret: true },
  runtimes: { group: "runtime", flag: "runtimes", env: ["GATEWAY_RUNTIMES"], valueHint: "<n>", defaultText: `the core count, at most ${MAX_DEFAULT_RUNTIMES}`, meaning: "Embedded Copilot runtime processes; a new conversation goes to the one carrying the fewest sessions, and stays there." },
  runtimeMaxMemory: { group: "runtime", flag: "runtime-max-memory-mb", env: ["GATEWAY_RUNTIME_MAX_MEMORY_MB"], valueHint: "<MB>", defaultValue: "1024", meaning: "An embedded runtime holding more memory than this (it does not give back what bursts took) is replaced between turns, without failing any; 0: never." },
  runtimeHome: { group: "runtime", flag: "copilot-runtime-home", env: ["COPILOT_RUNTIME_HOME"], valueHint: "<dir>", defaultText: "none (history is flattened for an external runtime)", meaning: "With --copilot-cli-url: the runtime's COPILOT_HOME, shared with the gateway, so conversations start with their own history." },
  dataDir: { group: "data", flag: "data-dir", env: ["COPILOT_GATEWAY_DATA_DIR"], valueHint: "<dir>", defaultText: "<cache dir>/copilot-gateway", meaning: "Where session state lives." },
  databaseUrl: { group: "data", flag: "database-url", env: ["DATABASE_URL"], valueHint: "<postgres://...>", defaultText: "<data dir>/gateway.sqlite", meaning: "PostgreSQL for the gateway's data (virtual keys, usage records, kept Responses), shared by several gateway processes; an SQLite file otherwise.", isSecret: true },
  outageKeyWindow: { group: "data", flag: "outage-key-window-seconds", env: ["GATEWAY_OUTAGE_KEY_WINDOW_SECONDS"], valueHint: "<s>", defaultValue: "300", meaning: "While the database is unavailable, a virtual key it confirmed at most this long before the outage began is still served, with its last known settings and limits; others get a 503. 0: no key is." },
  databaseQueryTimeout: { group: "data", flag: "database-query-timeout-seconds", env: ["GATEWAY_DATABASE_QUERY_TIMEOUT_SECONDS"], valueHint: "<s>", defaultValue: "10", meaning: "With PostgreSQL: a query the database has not answered in this long fails as an outage and its connection is dropped, so a link gone silent costs a request this long, not TCP's many minutes." },
  spoolMax: { group: "data", flag: "spool-max-mb", env: ["GATEWAY_SPOOL_MAX_MB"], valueHint: "<MB>", defaultValue: "64", meaning: "Usage and tool-call records the database could not take wait in `<data dir>/spool/` up to this size, and are written when it answers again; beyond it they are lost (counted and logged)." },
  githubToken: { group: "runtime", flag: "github-token", env: ["COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"], valueHint: "<token>", defaultText: "logged-in user", meaning: "GitHub token for the Copilot runtime (first variable set wins).", isSecret: true },
  providerBaseUrl: { group: "provider", flag: "provider-base-url", env: ["COPILOT_PROVIDER_BASE_URL"], valueHint: "<url>", defaultText: "none (Copilot models)", meaning: "BYOK: base URL of your own model provider; enables BYOK mode." },
  providerType: { group: "provider", flag: "provider-type", env: ["COPILOT_PROVIDER_TYPE"], valueHint: "openai|azure|anthropic", defaultValue: "openai", meaning: "BYOK: the provider's API flavour." },
  providerApiKey: { group: "provider", flag: "provider-api-key", env: ["COPILOT_PROVIDER_API_KEY"], valueHint: "<key>", defaultText: "none", meaning: "BYOK: API key sent to the provider.", isSecret: true },
  providerWireApi: { group: "provider", flag: "provider-wire-api", env: ["COPILOT_PROVIDER_WIRE_API"], valueHint: "completions|responses", defaultText: "runtime's choice", meaning: "BYOK: which provider endpoint the runtime calls." },
  providerModels: { group: "provider", flag: "provider-models", env: ["COPILOT_PROVIDER_MODELS"], valueHint: "<a,b,...>", defaultText: "the provider's GET /models", meaning: "BYOK: model ids served by /v1/models." },
  auth: { group: "callers", flag: "auth", env: ["GATEWAY_AUTH"], valueHint: "none|keys|github", defaultText: "keys when API or admin keys are set, else none", meaning: "Who may call: anyone (none); holders of the static or virtual keys (keys); GitHub users, each on their own Copilot seat with their own token (github)." },
  githubUrl: { group: "signIn", flag: "github-url", env: ["GATEWAY_GITHUB_URL"], valueHint: "<url>", defaultValue: "https://github.com", meaning: "GitHub's web address, where people sign in: a GitHub Enterprise Server host (`https://github.example.com`) or a GHE.com tenant (`https://octocorp.ghe.com`)." },
  githubApiUrl: { group: "signIn", flag: "github-api-url", env: ["GATEWAY_GITHUB_API_URL"], valueHint: "<url>", defaultText: "from --github-url: https://api.github.com, https://api.<tenant>.ghe.com, or <url>/api/v3 for GitHub Enterprise Server", meaning: "With --auth github: the GitHub API that names a token's user and checks its Copilot seat." },
  githubClientId: { group: "signIn", flag: "github-client-id", env: ["GATEWAY_GITHUB_CLIENT_ID"], valueHint: "<id>", defaultText: "none (sign-in off)", meaning: "The client id of the company's GitHub App (or OAuth App) people sign in with; turns sign-in on." },
  githubClientSecret: { group: "signIn", flag: "github-client-secret", env: ["GATEWAY_GITHUB_CLIENT_SECRET"], valueHint: "<secret>", defaultText: "none", meaning: "That app's client secret (for the code exchange and token refreshes).", isSecret: true },
  secretKey: { group: "signIn", flag: "secret-key", env: ["GATEWAY_SECRET_KEY"], valueHint: "<secret>", defaultText: "none", meaning: "At least 32 random characters (`openssl rand -base64 32`): the key people's GitHub tokens are encrypted under in the database (AES-256-GCM) and sign-in cookies are sealed with. The same in every gateway process; changing it signs everyone out.", isSecret: true },
  publicUrl: { group: "signIn", flag: "public-url", env: ["GATEWAY_PUBLIC_URL"], valueHint: "<url>", defaultText: "none", meaning: "The gateway's address as people's browsers reach it (`https://gateway.example`); GitHub sends them back to `<url>/auth/github/callback`, the app's callback URL. Cookies are Secure when it is https." },
  apiKeys: { group: "callers", flag: "api-keys", env: ["GATEWAY_API_KEYS"], valueHint: "<k1,k2,...>", defaultText: "none", meaning: "Static keys clients may present on /v1 routes, beside the virtual keys.", isSecret: true },
  adminKey: { group: "callers", flag: "admin-key", env: ["GATEWAY_ADMIN_KEY"], valueHint: "<key>", defaultText: "none (admin API off)", meaning: "Key for the /admin API (virtual keys, usage reports); never a client key.", isSecret: true },
  admins: { group: "callers", flag: "admins", env: ["GATEWAY_ADMINS"], valueHint: "<login,...>", defaultText: "none", meaning: "GitHub logins (comma-separated, any case) that are admins when signed in with GitHub, beside the holder of the admin key; every change they make is audited under their login." },
  adminTeam: { group: "callers", flag: "admin-team", env: ["GATEWAY_ADMIN_TEAM"], valueHint: "<org/team>", defaultText: "none", meaning: "A GitHub team (`org/team-slug`) whose active members are admins when signed in with GitHub, beside GATEWAY_ADMINS. Asked of GitHub with the person's own token; a pending invitation is not membership, and when GitHub cannot answer the person is not an admin." },
  adminTeamTtl: { group: "callers", flag: "admin-team-ttl-seconds", env: ["GATEWAY_ADMIN_TEAM_TTL_SECONDS"], valueHint: "<s>", defaultValue: "300", meaning: "How long GitHub's answer about a person's membership of the admin team is trusted before it is asked again: a person taken off the team loses admin rights within this time." },
  corsOrigins: { group: "server", flag: "cors-origins", env: ["GATEWAY_CORS_ORIGINS"], valueHint: "<origins|*>", defaultText: "* with API keys, none without", meaning: "Browser origins allowed to call the gateway." },
  maxTools: { group: "limits", flag: "max-tools", env: ["GATEWAY_MAX_TOOLS"], valueHint: "<n>", defaultValue: String(DEFAULT_LIMITS.maxTools), meaning: "Tools offered to the model in one request at most; more is a 400." },
  maxPromptChars: { group: "limits", flag: "max-prompt-chars", env: ["GATEWAY_MAX_PROMPT_CHARS"], valueHint: "<n>", defaultValue: String(DEFAULT_LIMITS.maxPromptChars), meaning: "Characters of prompt (messages, tool calls and results, tool definitions) in one request at most; more is a 400." },
  maxToolDescriptionChars: { group: "limits", flag: "max-tool-description-chars", env: ["GATEWAY_MAX_TOOL_DESCRIPTION_CHARS"], valueHint: "<n>", defaultValue: String(DEFAULT_LIMITS.maxToolDescriptionChars), meaning: "Characters of one tool's description at most." },
  maxSchemaChars: { group: "limits", flag: "max-schema-chars", env: ["GATEWAY_MAX_SCHEMA_CHARS"], valueHint: "<n>", defaultValue: String(DEFAULT_LIMITS.maxSchemaChars), meaning: "Characters of JSON of one tool or response-format schema at most." },
  maxSchemaDepth: { group: "limits", flag: "max-schema-depth", env: ["GATEWAY_MAX_SCHEMA_DEPTH"], valueHint: "<n>", defaultValue: String(DEFAULT_LIMITS.maxSchemaDepth), meaning: "Nesting of one schema at most, 1 to 100 (the runtime stops answering near 125)." },
  maxTurns: { group: "load", flag: "max-turns", env: ["GATEWAY_MAX_TURNS"], valueHint: "<n>", defaultValue: "100", meaning: "Turns in flight at most, across all callers." },
  turnQueue: { group: "load", flag: "turn-queue", env: ["GATEWAY_TURN_QUEUE"], valueHint: "<n>", defaultValue: "100", meaning: "Turns that may wait for a slot when --max-turns are in flight; beyond it, 503 with Retry-After." },
  queueWait: { group: "load", flag: "queue-wait-seconds", env: ["GATEWAY_QUEUE_WAIT_SECONDS"], valueHint: "<s>", defaultValue: "30", meaning: "How long a turn may wait for a slot before it is a 503." },
  keepAlive: { group: "streams", flag: "keepalive-seconds", env: ["GATEWAY_KEEPALIVE_SECONDS"], valueHint: "<s>", defaultValue: "15", meaning: "SSE keep-alive comment interval while the model is silent." },
  clientStall: { group: "streams", flag: "client-stall-seconds", env: ["GATEWAY_CLIENT_STALL_SECONDS"], valueHint: "<s>", defaultValue: "60", meaning: "A stream whose client has taken nothing for this long is cancelled at the model and its connection closed." },
  turnTimeout: { group: "streams", flag: "turn-timeout-seconds", env: ["GATEWAY_TURN_TIMEOUT_SECONDS"], valueHint: "<s>", defaultValue: "30", meaning: "Deadline for the model to start answering, getting the session and the runtime's retries included." },
  shutdownGrace: { group: "server", flag: "shutdown-grace-seconds", env: ["GATEWAY_SHUTDOWN_GRACE_SECONDS"], valueHint: "<s>", defaultValue: "10", meaning: "On SIGINT/SIGTERM, how long streams in flight may finish." },
  modelsTtl: { group: "models", flag: "models-ttl-seconds", env: ["GATEWAY_MODELS_TTL_SECONDS"], valueHint: "<s>", defaultValue: "300", meaning: "How long the model list is cached (0 = no cache)." },
  maxSessions: { group: "sessions", flag: "max-sessions", env: ["GATEWAY_MAX_SESSIONS"], valueHint: "<n>", defaultValue: "200", meaning: "Copilot sessions kept, live or suspended, for conversations to continue; least recently used go first." },
  warmSessions: { group: "sessions", flag: "warm-sessions", env: ["GATEWAY_WARM_SESSIONS"], valueHint: "<n>", defaultValue: "4", meaning: "Session configurations (model, system prompt, tools, caller) seen lately that keep a session opened ahead, so a new conversation does not wait for one; 0: none." },
  recycledSessions: { group: "sessions", flag: "recycled-sessions", env: ["GATEWAY_RECYCLED_SESSIONS"], valueHint: "<n>", defaultText: "a quarter of what the runtimes' memory limit holds, at most 64 (64 with an external runtime)", meaning: "Sessions of ended conversations (idle past --live-sessions, or evicted) kept rewound to their start for new conversations of the same caller and configuration, as many as each ran at once lately; at most this many and --live-sessions; 0: none." },
  liveSessions: { group: "sessions", flag: "live-sessions", env: ["GATEWAY_LIVE_SESSIONS"], valueHint: "<n>", defaultText: "what the runtimes' memory limit holds, ~64 MB a session, beside the recycled and warm ones (128 with an external runtime)", meaning: "Idle conversations whose session stays live (the most recently used), so they go on without a resume; older ones are suspended, which gives their memory back to the runtime." },
  sessionTtl: { group: "sessions", flag: "session-ttl-seconds", env: ["GATEWAY_SESSION_TTL_SECONDS"], valueHint: "<s>", defaultValue: "1800", meaning: "How long an idle conversation's session is kept." },
  modelAliases: { group: "models", flag: "model-aliases", env: ["GATEWAY_MODEL_ALIASES"], valueHint: "<from=to,...>", defaultText: "none (Claude Code names map by rule)", meaning: "Client model names → served model ids, e.g. claude-3-5-haiku-latest=gpt-4.1-mini." },
  mcpConfig: { group: "tools", flag: "mcp-config", env: ["GATEWAY_MCP_CONFIG"], valueHint: "<file>", defaultText: "none (no server-side tools)", meaning: "The operator's MCP servers: a JSON file with `mcpServers` (or VS Code's `servers`); strings may say ${env:NAME}. Checked at start." },
  mcpDefaultServers: { group: "tools", flag: "mcp-default-servers", env: ["GATEWAY_MCP_DEFAULT_SERVERS"], valueHint: "<a,b,...|*>", defaultText: "none", meaning: "The servers granted to static keys, to everyone with --auth none, and to GitHub users; a virtual key has its own list." },
  mcpAllowedUrls: { group: "tools", flag: "mcp-allowed-urls", env: ["GATEWAY_MCP_ALLOWED_URLS"], valueHint: "<url-prefix,...>", defaultText: "none", meaning: "URL prefixes under which a request may name a remote MCP server of its own (Responses' `mcp` tool with `server_url`); any other URL is refused before a connection is made." },
  mcpMaxCallsPerTurn: { group: "tools", flag: "mcp-max-calls-per-turn", env: ["GATEWAY_MCP_MAX_CALLS_PER_TURN"], valueHint: "<n>", defaultValue: String(DEFAULT_MAX_SERVER_TOOL_CALLS), meaning: "Server-side tool calls one turn may make; the turn ends with an error past it." },
  mcpAuditArguments: { group: "tools", flag: "mcp-audit-arguments", env: ["GATEWAY_MCP_AUDIT_ARGUMENTS"], valueHint: "[true|false]", defaultValue: "false", meaning: "Keep each server-side tool call's arguments in its audit record (they may hold what a person typed); sizes are always kept.", isBoolean: true },
  mcpSharedStdio: { group: "tools", flag: "mcp-shared-stdio", env: ["GATEWAY_MCP_SHARED_STDIO"], valueHint: "[true|false]", defaultValue: "true", meaning: "Run each stdio MCP server once for all sessions (an embedded runtime's) instead of once per session; a server with `\"shared\": false` in the file runs per session either way.", isBoolean: true },
  mcpCallTimeout: { group: "tools", flag: "mcp-call-timeout-seconds", env: ["GATEWAY_MCP_CALL_TIMEOUT_SECONDS"], valueHint: "<s>", defaultValue: String(DEFAULT_SERVER_TOOL_TIMEOUT_MS / 1000), meaning: "How long one server-side tool call may take before it fails (the model is told it failed)." },
  agentsDir: { group: "tools", flag: "agents-dir", env: ["GATEWAY_AGENTS_DIR"], valueHint: "<dir>", defaultText: "none (no agents)", meaning: "A directory of custom agent files (`<id>.agent.md`, as in .github/agents): each is served as the model `<id>`, running as that agent with its tools. Checked at start; read again on SIGHUP." },
  agentsDefaultModel: { group: "tools", flag: "agents-default-model", env: ["GATEWAY_AGENTS_DEFAULT_MODEL"], valueHint: "<model>", defaultText: "the first model served", meaning: "The model an agent whose file names none runs on (a model name as clients send it; aliases apply)." },
  bodyTimeout: { group: "limits", flag: "body-timeout-seconds", env: ["GATEWAY_BODY_TIMEOUT_SECONDS"], valueHint: "<s>", defaultValue: "30", meaning: "A request whose body has not fully arrived this long after it began is answered 408 and its connection closed (headers alone get 20 s)." },
  bodyLimit: { group: "limits", flag: "body-limit-mb", env: ["GATEWAY_BODY_LIMIT_MB"], valueHint: "<MB>", defaultValue: "32", meaning: "Largest request body (1 MB = 1,048,576 bytes); larger is a 413." },
  strictOpenAI: { group: "models", flag: "strict-openai", env: ["GATEWAY_STRICT_OPENAI"], valueHint: "[true|false]", defaultValue: "false", meaning: "Send no non-standard response fields (reasoning_content, ...).", isBoolean: true },
  logLevel: { group: "server", flag: "log-level", env: ["GATEWAY_LOG_LEVEL"], valueHint: "error|warn|info|debug", defaultValue: "info", meaning: "Log verbosity." },
} satisfies Record<string, SettingDefinition>;

export type SettingKey = keyof typeof SETTINGS;
/** The settings whose default is a value the loader reads. */
export type SettingWithDefaultValue = { [K in SettingKey]: (typeof SETTINGS)[K] extends { defaultValue: string } ? K : never }[SettingKey];

/** In table order, the order --help lists them. */
export const SETTING_LIST: readonly SettingDefinition[] = Object.values(SETTINGS);

/** The default as --help and the configuration page state it. */
export const defaultOf = (setting: SettingDefinition): string => setting.defaultValue ?? setting.defaultText;
