// How the runtimes are configured: the pool's settings (from the process's
// config), the BYOK provider, when a runtime is recycled, and what each
// runtime process is handed. Types only, so the pool, its processes and
// their supervision all read them without importing one another.
import type { SharedMcpServers } from "./shared-mcp-servers.js";
import type { ToolGates } from "./tool-gates.js";

export interface ProviderSettings {
  type: "openai" | "azure" | "anthropic";
  baseUrl: string;
  apiKey?: string;
  wireApi?: "completions" | "responses";
  models?: string[];
}

export interface RecycleSettings {
  /** An embedded runtime holding more resident memory than this is replaced. */
  maxResidentBytes: number;
  /**
   * A runtime whose memory grew by more than this per 1,000 sessions it
   * opened, while it carried no more live sessions than it had before, is
   * replaced (memory-growth.ts); never when absent.
   */
  maxGrowthBytesPer1000Sessions?: number;
  /** How many sessions a runtime opens before its growth is judged (default 1,000). */
  growthWindowSessions?: number;
  /** How often memory is looked at (default 30 s). */
  checkEveryMs?: number;
  /** A runtime younger than this is left alone, so one whose baseline is over the limit is not replaced over and over (default 10 min). */
  minAgeMs?: number;
  /** How long a replaced runtime may take to finish its turns before it is stopped anyway (default 10 min). */
  maxDrainMs?: number;
}

export interface RuntimeSettings {
  /**
   * Embedded runtimes, or running `copilot --headless` servers (one runtime
   * each); `token`: the connection token they were started with (COPILOT_CONNECTION_TOKEN).
   */
  connection: { kind: "embedded" } | { kind: "external"; urls: readonly string[]; token?: string };
  /** Embedded runtime processes to run (default 1); ignored for an external runtime. */
  processes?: number;
  /** When an embedded runtime that holds on to memory is replaced; never when absent. */
  recycle?: RecycleSettings;
  /** Session state and the directory sessions work in live below it. */
  dataDir: string;
  /**
   * An external runtime's COPILOT_HOME as this process sees it (a directory
   * both share): where seeded sessions are written. The embedded runtime's is `dataDir`.
   */
  runtimeHome?: string;
  githubToken?: string;
  /**
   * GitHub mode: every session runs on its caller's own GitHub token (the
   * spec's `gitHubToken`) and the runtime has no identity of its own.
   */
  tokenPerCaller?: boolean;
  provider?: ProviderSettings;
  modelsTtlMs: number;
  /** Environment of an embedded runtime process; the gateway's own by default (either way with its allocator's arenas capped: supervised-client.ts). */
  env?: Record<string, string | undefined>;
  /**
   * Embedded runtimes only: each stdio MCP server a session is given runs
   * once for the gateway, shared by every session (shared-mcp-servers.ts),
   * instead of once per session; a server marked `shared: false` still runs
   * per session. On unless false.
   */
  sharedStdioMcpServers?: boolean;
  /**
   * How long a runtime may take to open (or seed) a session once asked: past
   * it the open is given up — its place among those opened at once goes to
   * the next in line, and a session it opens after all is closed. The
   * gateway sets the turn's deadline: no request waits longer for a session.
   * 30 s when absent.
   */
  openTimeoutMs?: number;
  /** How a hung runtime is noticed: a ping every `intervalMs`, `failures` in a row not answered within `timeoutMs`. */
  heartbeat?: { intervalMs: number; timeoutMs: number; failures: number };
}

/** One runtime process's settings: the pool's, for one connection. */
export interface ProcessSettings extends Omit<RuntimeSettings, "connection" | "processes" | "recycle" | "sharedStdioMcpServers"> {
  /** Shared by the pool's runtimes: a session's gate is found by its id (tool-gates.ts). */
  toolGates?: ToolGates;
  connection: { kind: "embedded" } | { kind: "external"; url: string; token?: string };
  /** BYOK: where sessions send model calls (the relay's address, once it runs). */
  providerBaseUrl?: () => string | undefined;
  /** The shared stdio MCP servers, whose tools sessions are given; absent: each session starts its own servers. */
  sharedMcpServers?: () => SharedMcpServers | undefined;
}
