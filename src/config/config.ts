// The Config the gateway runs on, and the two ways loading it stops short (a bad
// setting, a request for help). What loadConfig returns; how it gets there is in
// load-config.ts, which settings exist in settings.ts.
import type { AdminTeam } from "../access/admin-rights.js";
import type { AuthMode } from "../access/caller.js";
import type { RequestLimits } from "../core/request-limits.js";

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

/** Sign-in with the company's GitHub App (or OAuth App): on when its client id is set, then complete. */
export interface SignInConfig {
  clientId: string;
  clientSecret: string;
  /** Tokens at rest and cookies are sealed under keys derived from it. */
  secretKey: string;
  /** The gateway as browsers reach it, without a trailing slash. */
  publicUrl: string;
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
  /** During a database outage, virtual keys confirmed at most this long before it began are served; 0: none. */
  outageKeyWindowMs: number;
  /** PostgreSQL: a query unanswered this long fails as an outage. */
  databaseQueryTimeoutMs: number;
  /** Bytes of records the spool (`<dataDir>/spool/`) may hold while the database is out. */
  spoolMaxBytes: number;
  /** An external runtime's COPILOT_HOME as the gateway sees it (a shared directory), where conversations are seeded. */
  runtimeHome?: string;
  githubToken?: string;
  provider?: ProviderConfig;
  auth: AuthMode;
  /** github mode: where a caller's token is turned into their login (`GET /user`). */
  githubApiUrl: string;
  /** GitHub's web address (github.com, a GHES host or a GHE.com tenant), where people sign in. */
  githubUrl: string;
  signIn?: SignInConfig;
  apiKeys: string[];
  /** Guards /admin; the admin API is off without it. */
  adminKey?: string;
  /** GitHub logins that are admins when signed in with GitHub. */
  admins: string[];
  /** A GitHub team whose active members are admins when signed in. */
  adminTeam?: AdminTeam;
  /** How long GitHub's answer about the admin team is trusted. */
  adminTeamTtlMs: number;
  corsOrigins: string[];
  /** Turns in flight at most, across callers; then a short queue (`turnQueue`, waiting up to `queueWaitMs`), then 503. */
  maxTurns: number;
  turnQueue: number;
  queueWaitMs: number;
  /** What one request may ask of the runtime; beyond it, a 400 naming the field. */
  limits: RequestLimits;
  keepAliveMs: number;
  clientStallMs: number;
  /** How long a request may take to arrive whole (headers and body). */
  bodyTimeoutMs: number;
  turnTimeoutMs: number;
  shutdownGraceMs: number;
  modelsTtlMs: number;
  maxSessions: number;
  sessionTtlMs: number;
  warmSessions: number;
  liveSessions: number;
  recycledSessions: number;
  modelAliases: Map<string, string>;
  /** The operator's MCP server file (tools/mcp-config.ts reads it); no server-side tools without it. */
  mcpConfigPath?: string;
  /** Servers granted to every caller but a virtual key (which has its own list); `*` is all. */
  mcpDefaultServers: string[];
  /** URL prefixes a request may name its own remote MCP server under; none by default. */
  mcpAllowedUrls: string[];
  mcpMaxCallsPerTurn: number;
  mcpCallTimeoutMs: number;
  /** Keep server-side tool calls' arguments in the audit (sizes are always kept). */
  mcpAuditArguments: boolean;
  /** The operator's agent files (`*.agent.md`), each served as a model; no agents without it. */
  agentsDir?: string;
  /** The model agents whose file names none run on; the first model served when absent. */
  agentsDefaultModel?: string;
  /** Stdio servers run once for all sessions of the embedded runtimes, not once per session. */
  mcpSharedStdio: boolean;
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
