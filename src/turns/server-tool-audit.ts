// What the audit learns of each MCP tool call the runtime runs inside a
// turn: from its `tool.execution_start` to its `tool.execution_complete`,
// which server and tool, when and for how long, how it ended, and how big its
// arguments and result were. The translator feeds it the events; a call still
// running when the turn ends (an abort, the cap) is reported then, as an error.
import type { SessionEvent } from "@github/copilot-sdk";

export type ServerToolCallOutcome = "ok" | "error" | "refused" | "timeout";

/** One server-side tool call, as the turn saw it. */
export interface ServerToolCall {
  server: string;
  /** The tool's name on its server (not the `<server>-<tool>` name the model saw). */
  tool: string;
  /** When the call started, ms since the epoch. */
  startedAt: number;
  durationMs: number;
  outcome: ServerToolCallOutcome;
  /** UTF-8 bytes of the arguments' JSON text. */
  argumentsBytes: number;
  /** UTF-8 bytes of the result text the model read (a failure's message for a failed call). */
  resultBytes: number;
  /** The arguments' JSON text: whether it is kept is the listener's decision. */
  argumentsText: string;
}

export type ServerToolCallListener = (call: ServerToolCall) => void;

type StartData = Extract<SessionEvent, { type: "tool.execution_start" }>["data"];
type CompleteData = Extract<SessionEvent, { type: "tool.execution_complete" }>["data"];

/** A call the audit follows until it ends; one running when a turn ends on an approval is carried to the next turn. */
export interface AuditedCall {
  toolCallId: string;
  server: string;
  tool: string;
  startedAt: number;
  argumentsText: string;
}

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text).length;

export class ServerToolAudit {
  private readonly running = new Map<string, AuditedCall>();

  constructor(
    private readonly listener: ServerToolCallListener,
    private readonly now: () => number = Date.now,
    carried: readonly AuditedCall[] = [],
  ) {
    for (const call of carried) this.running.set(call.toolCallId, call);
  }

  /** A call the runtime started; only an MCP server's call (one naming its server) is followed. */
  started(data: StartData, timestamp: string): void {
    const server = data.mcpServerName;
    if (server === undefined) return;
    const prefix = `${server}-`;
    const tool = data.mcpToolName ?? (data.toolName.startsWith(prefix) ? data.toolName.slice(prefix.length) : data.toolName);
    this.running.set(data.toolCallId, { toolCallId: data.toolCallId, server, tool, startedAt: this.at(timestamp), argumentsText: JSON.stringify(data.arguments ?? {}) });
  }

  /** A call ended; reported if it was one followed. */
  completed(data: CompleteData, timestamp: string): void {
    const call = this.running.get(data.toolCallId);
    if (!call) return;
    this.running.delete(data.toolCallId);
    const resultText = data.success ? (data.result?.content ?? "") : (data.error?.message ?? data.result?.content ?? "");
    this.report(call, this.at(timestamp), data.success ? "ok" : failureOutcome(data.error), bytes(resultText));
  }

  /** The turn ends waiting on an approval: its calls still running go on in the next turn, which reports them. */
  handOver(): AuditedCall[] {
    const calls = [...this.running.values()];
    this.running.clear();
    return calls;
  }

  /** The turn is over: calls that never completed are reported as errors with no result. */
  turnEnded(): void {
    const now = this.now();
    for (const call of this.running.values()) this.report(call, now, "error", 0);
    this.running.clear();
  }

  private report(call: AuditedCall, endedAt: number, outcome: ServerToolCallOutcome, resultBytes: number): void {
    this.listener({
      server: call.server,
      tool: call.tool,
      startedAt: call.startedAt,
      durationMs: Math.max(0, endedAt - call.startedAt),
      outcome,
      argumentsBytes: bytes(call.argumentsText),
      resultBytes,
      argumentsText: call.argumentsText,
    });
  }

  /** The event's own time (the runtime's clock, ms resolution), or now when it has none. */
  private at(timestamp: string): number {
    const parsed = Date.parse(timestamp);
    return Number.isNaN(parsed) ? this.now() : parsed;
  }
}

/**
 * How a failed call ended, from what the runtime says of it: the permission
 * policy's refusal, the MCP client's "Request timed out", or anything else.
 */
export function failureOutcome(error: CompleteData["error"]): ServerToolCallOutcome {
  const said = `${error?.code ?? ""} ${error?.message ?? ""}`;
  if (/\b(denied|rejected|refused|permission)\b/i.test(said)) return "refused";
  if (/timed? ?out/i.test(said)) return "timeout";
  return "error";
}
