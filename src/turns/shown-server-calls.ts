// The calls of the servers a request named (`TurnRequest.servers`), which the
// client is shown as they end: from `tool.execution_start` (server, tool,
// arguments) to `tool.execution_complete` (output or error), as one
// `server_tool_call` event. A call that waited on the client's approval
// carries the request's id; one the client declined is not shown, as it
// never ran. A call the turn ends on (waiting for approval) is carried to
// the session's next turn, which shows it when it ends.
import type { SessionEvent } from "@github/copilot-sdk";
import type { ApprovalRequest, TurnEvent } from "../core/turn.js";

type StartData = Extract<SessionEvent, { type: "tool.execution_start" }>["data"];
type CompleteData = Extract<SessionEvent, { type: "tool.execution_complete" }>["data"];

export interface ShownCall {
  toolCallId: string;
  server: string;
  /** The tool's name on its server. */
  tool: string;
  /** The tool as the model called it: `<server>-<tool>`. */
  calledAs: string;
  argumentsText: string;
  approvalRequestId?: string;
}

export class ShownServerCalls {
  private readonly running = new Map<string, ShownCall>();

  constructor(
    private readonly shown: ReadonlySet<string>,
    carried: readonly ShownCall[] = [],
  ) {
    for (const call of carried) this.running.set(call.toolCallId, call);
  }

  started(data: StartData): void {
    const server = data.mcpServerName;
    if (server === undefined || !this.shown.has(server)) return;
    const tool = data.mcpToolName ?? data.toolName.slice(server.length + 1);
    this.running.set(data.toolCallId, { toolCallId: data.toolCallId, server, tool, calledAs: data.toolName, argumentsText: JSON.stringify(data.arguments ?? {}) });
  }

  /** The call an approval request is for: the first waiting one of that tool with those arguments. */
  awaitingApproval(pending: Pick<ApprovalRequest, "id" | "arguments"> & { calledAs: string }): void {
    const calls = [...this.running.values()].filter((call) => call.calledAs === pending.calledAs && call.approvalRequestId === undefined);
    const call = calls.find((candidate) => sameJson(candidate.argumentsText, pending.arguments)) ?? calls[0];
    if (call) call.approvalRequestId = pending.id;
  }

  /** The event a shown call's end gives the client, if any. */
  completed(data: CompleteData): TurnEvent | undefined {
    const call = this.running.get(data.toolCallId);
    if (!call) return undefined;
    this.running.delete(data.toolCallId);
    // Declined at the gate: the call never ran.
    if (call.approvalRequestId !== undefined && !data.success && data.error?.code === "denied") return undefined;
    const ended = data.success ? { output: data.result?.content ?? "" } : { error: data.error?.message ?? data.result?.content ?? "The tool call failed." };
    return {
      type: "server_tool_call",
      id: call.toolCallId,
      server: call.server,
      tool: call.tool,
      arguments: call.argumentsText,
      ...ended,
      ...(call.approvalRequestId !== undefined ? { approvalRequestId: call.approvalRequestId } : {}),
    };
  }

  /** Calls that have not ended: what the session's next turn takes over when this one ends on an approval. */
  unfinished(): ShownCall[] {
    return [...this.running.values()];
  }
}

function sameJson(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}
