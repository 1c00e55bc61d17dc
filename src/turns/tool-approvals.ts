// The calls of one session that wait on the client's approval (Responses'
// `require_approval`). The runtime asks before each call (tool-gates.ts);
// a call of a server whose rule asks for approval becomes a pending
// approval, which the turn running then shows the client and ends on. The
// call waits inside the runtime until a later request answers it, or the
// session closes (its conversation expired or was evicted: the call is
// declined). Requests come one at a time per call; one that comes while no
// turn listens waits for the next turn.
import type { SessionEvent } from "@github/copilot-sdk";
import type { ApprovalRequest, ApprovalRule } from "../core/turn.js";
import type { GateDecision, GatedToolCall, ToolGate } from "../runtime/tool-gates.js";
import type { AuditedCall } from "./server-tool-audit.js";
import type { ShownCall } from "./shown-server-calls.js";

/** An approval request waiting on the client: `decide` lets the call run, or declines it. */
export interface PendingApproval extends ApprovalRequest {
  /** The tool as the model called it: `<server>-<tool>`. */
  calledAs: string;
  decide(approve: boolean, reason?: string): void;
}

/** Returns whether the turn took the request (one that is over takes none: the request waits for the next turn). */
export type ApprovalListener = (pending: PendingApproval) => boolean;

/** What one turn's trackers knew of calls still running when it ended on an approval. */
export interface CarriedCalls {
  shown: ShownCall[];
  audited: AuditedCall[];
  /** Server-side calls running (their ids), which hold the turn's clock. */
  running: string[];
}

const CLOSED: GateDecision = { allow: false, reason: "The conversation ended before the call was approved; it was not run." };

export class SessionApprovals {
  private listener: ApprovalListener | undefined;
  private readonly queued: PendingApproval[] = [];
  /** Calls waiting, with how each is let go. */
  private readonly waiting = new Map<PendingApproval, (decision: GateDecision) => void>();
  private closed = false;
  private carried: CarriedCalls = { shown: [], audited: [], running: [] };
  /** Tool events the session sent while no turn listened (a call approved in one request runs on as the next approval is asked). */
  private buffered: SessionEvent[] = [];
  private stopBuffering: (() => void) | undefined;

  constructor(
    private readonly rules: Readonly<Record<string, ApprovalRule>>,
    private readonly newId: () => string = () => `mcpr_${crypto.randomUUID().replaceAll("-", "")}`,
  ) {}

  /** The session's gate: calls the rules let through at once, others wait on the client. */
  readonly gate: ToolGate = (call) => {
    const named = this.serverCall(call.toolName);
    if (!named || !needsApproval(this.rules[named.server]!, named.tool)) return { allow: true };
    if (this.closed) return CLOSED;
    return new Promise<GateDecision>((resolve) => {
      const pending: PendingApproval = {
        id: this.newId(),
        server: named.server,
        tool: named.tool,
        calledAs: call.toolName,
        arguments: argumentsText(call),
        decide: (approve, reason) => this.settle(pending, approve ? { allow: true } : { allow: false, reason: declined(reason) }),
      };
      this.waiting.set(pending, resolve);
      if (!this.listener?.(pending)) this.queued.push(pending);
    });
  };

  /** The running turn hears of each approval request; those that came between turns first. Returns the unsubscribe. */
  listen(listener: ApprovalListener): () => void {
    this.listener = listener;
    const queued = this.queued.splice(0);
    for (const [index, pending] of queued.entries()) {
      if (listener(pending)) continue;
      this.queued.push(...queued.slice(index));
      break;
    }
    return () => {
      if (this.listener === listener) this.listener = undefined;
    };
  }

  /** A turn ended on an approval while these calls ran: the next turn takes them over. */
  carry(calls: CarriedCalls): void {
    this.carried = calls;
  }

  /**
   * Between a turn that ended on an approval and the next, the runtime may
   * still finish calls (the runtime asks for parallel calls' approvals one
   * after another, and runs an approved one meanwhile): their events are
   * kept for the next turn. `subscribe` is the session's `on`.
   */
  bufferBetweenTurns(subscribe: (listener: (event: SessionEvent) => void) => () => void): void {
    this.stopBuffering?.();
    this.stopBuffering = subscribe((event) => {
      if (event.type === "tool.execution_start" || event.type === "tool.execution_complete") this.buffered.push(event);
    });
  }

  /** The events kept since the last turn ended, for the next one to read first. */
  takeBuffered(): SessionEvent[] {
    this.stopBuffering?.();
    this.stopBuffering = undefined;
    return this.buffered.splice(0);
  }

  takeCarried(): CarriedCalls {
    const calls = this.carried;
    this.carried = { shown: [], audited: [], running: [] };
    return calls;
  }

  /** The session is closing: every waiting call is declined, and later ones too. */
  close(): void {
    this.closed = true;
    this.takeBuffered();
    this.queued.length = 0;
    for (const pending of [...this.waiting.keys()]) this.settle(pending, CLOSED);
  }

  private settle(pending: PendingApproval, decision: GateDecision): void {
    const resolve = this.waiting.get(pending);
    if (!resolve) return;
    this.waiting.delete(pending);
    resolve(decision);
  }

  /** The server (the longest configured name that prefixes it) and the server's own tool name. */
  private serverCall(toolName: string): { server: string; tool: string } | undefined {
    let best: string | undefined;
    for (const server of Object.keys(this.rules)) {
      if (toolName.startsWith(`${server}-`) && server.length > (best?.length ?? -1)) best = server;
    }
    return best === undefined ? undefined : { server: best, tool: toolName.slice(best.length + 1) };
  }
}

function needsApproval(rule: ApprovalRule, tool: string): boolean {
  if (rule.always.includes(tool)) return true;
  if (rule.never.includes(tool)) return false;
  return rule.default === "always";
}

function argumentsText(call: GatedToolCall): string {
  return typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments ?? {});
}

function declined(reason: string | undefined): string {
  return `The user declined this call${reason ? `: ${reason}` : "."}`;
}
