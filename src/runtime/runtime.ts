// What the layers above ask of a Copilot runtime: the Runtime contract, the
// spec a session is opened with, a seeded session's history, a served model.
// Types only: the pool that fulfils them is runtime-pool.ts, so everything in
// this folder can depend on the contract without depending on the pool.
import type { CopilotSession, MCPServerConfig } from "@github/copilot-sdk";
import type { ApprovalRule, ReasoningEffort, ToolDefinition } from "../core/turn.js";
import type { ToolGates } from "./tool-gates.js";

export interface ModelEntry {
  id: string;
  ownedBy: string;
}

export interface SessionSpec {
  model: string;
  /** Replaces the runtime's own agent prompt; empty means no system message at all. */
  systemMessage: string;
  tools: ToolDefinition[];
  reasoningEffort?: ReasoningEffort;
  /** The caller's own GitHub token (github mode): the session runs on their seat. */
  gitHubToken?: string;
  /**
   * The operator's MCP servers this session may use, by name, in the SDK's
   * shape (`tools`: the server's allowlist; `timeout`: per call). The runtime
   * runs them and their tools itself; absent or empty: none.
   */
  mcpServers?: Record<string, MCPServerConfig>;
  /**
   * The servers whose calls the client approves first, by name: each call
   * the rule asks for waits on the session's tool gate (tool-gates.ts).
   */
  mcpApprovals?: Record<string, ApprovalRule>;
  /** The custom agent the session runs as; absent: none, the client's system prompt alone. */
  agent?: SessionAgent;
}

/**
 * An operator's agent as the session runs it (the SDK's `customAgents` and
 * `agent`): the runtime puts its prompt after the system message, and it
 * gets the session's tools, the client's and the servers' (`mcpServers`).
 */
export interface SessionAgent {
  /** Its id: the model name clients ask for. */
  name: string;
  displayName?: string;
  description?: string;
  prompt: string;
}

/** Why a runtime was replaced for its memory: it held more than the limit, or grew faster than its sessions explain. */
export type RecycleCause = { kind: "size" } | { kind: "growth"; bytesPer1000Sessions: number };

/** Builds a seeded session's events (the SDK's SessionEvent shapes), in order, for the session it will be. */
export type SessionHistory = (sessionId: string, workingDirectory: string) => readonly object[];

/** What the HTTP layer needs from a runtime; the real one is CopilotRuntime (runtime-pool.ts). */
export interface Runtime {
  readonly description: string;
  /**
   * Called at once when a runtime dies or stops answering: `sessionIds` died
   * with it (their turns cannot finish). A new runtime is then started.
   * Returns the unsubscribe.
   */
  onLost?(listener: (reason: string, sessionIds: ReadonlySet<string>) => void): () => void;
  /**
   * Called when a runtime is being replaced while it still serves: its
   * sessions should be let go once their turn is over (and at once when none
   * runs), so their conversations go on seeded elsewhere. Called again for
   * those still held. Returns the unsubscribe.
   */
  onRetire?(listener: (sessionIds: ReadonlySet<string>) => void): () => void;
  /** Called when a runtime is replaced for holding `residentBytes` of memory, and why. Returns the unsubscribe. */
  onRecycled?(listener: (residentBytes: number, cause: RecycleCause) => void): () => void;
  /** Whether the session is on a runtime being replaced, so it should not take another turn. */
  isRetiring?(sessionId: string): boolean;
  /** Whether a session nobody waits for yet may be opened now: a runtime that would take it is opening none. */
  hasRoom?(): boolean;
  ping(): Promise<void>;
  /** The models served, or with a caller's GitHub token the models that identity may use. */
  listModels(gitHubToken?: string): Promise<ModelEntry[]>;
  /** `signal`: the request's; a request whose client left while it waited for the runtime costs it no session. */
  openSession(spec: SessionSpec, signal?: AbortSignal): Promise<CopilotSession>;
  suspendSession(session: CopilotSession): Promise<void>;
  resumeSession(sessionId: string, spec: SessionSpec): Promise<CopilotSession>;
  /** A new session whose history is what `history` builds for its id and working directory. */
  seedSession(spec: SessionSpec, history: SessionHistory, signal?: AbortSignal): Promise<CopilotSession>;
  closeSession(session: CopilotSession | string): Promise<void>;
  /** Where calls of sessions opened with approval rules wait (absent: such calls are run without asking). */
  readonly toolGates?: ToolGates;
}
