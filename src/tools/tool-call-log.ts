// What the audit keeps of every tool call the runtime ran on the server side:
// who, which server and tool, how long, how it ended, and how big its
// arguments and result were; the argument values only when the operator
// turns that on, since they may carry what a person typed. The store
// (storage/) implements the port; the admin API, the CLI and the metrics read
// the same records.

export type ToolCallOutcome = "ok" | "error" | "refused" | "timeout";

export interface ToolCallRecord {
  /** When the call started, ms since the epoch. */
  at: number;
  requestId: string;
  /** The caller as usage records name it: a key id, a GitHub login, `static:…`, `anonymous`. */
  caller: string;
  /** The virtual key's id, when the caller used one. */
  keyId: string | null;
  /** The served model, or the agent the caller chose. */
  model: string;
  server: string;
  /** The tool's name on its server (not the `<server>-<tool>` name the model saw). */
  tool: string;
  durationMs: number;
  outcome: ToolCallOutcome;
  argumentsBytes: number;
  resultBytes: number;
  /** The arguments' JSON text, kept only when the operator turned that on. */
  arguments: string | null;
}

export interface ToolCallFilter {
  /** Inclusive, ms since the epoch. */
  from?: number;
  /** Exclusive, ms since the epoch. */
  to?: number;
  caller?: string;
  server?: string;
  /** At most this many, the newest first. */
  limit?: number;
}

/** Where tool-call records go; a record that cannot be written is logged by the caller, never a client's failure. */
export interface ToolCallStore {
  record(call: ToolCallRecord): Promise<void>;
  list(filter: ToolCallFilter): Promise<ToolCallRecord[]>;
}
