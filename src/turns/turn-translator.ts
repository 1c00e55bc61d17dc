// The runtime's session events of one turn, translated into the client's
// TurnEvents and the turn's outcome. It holds no session: runTurn feeds it
// the events and carries out what it asks (abort the session, decline a call
// the client was not shown), so the translation runs as well on recorded
// events as on a live session.
//
// The turn ends on the first of: the session going idle (finish "stop"), every
// client tool call of the assistant message waiting on the client (finish
// "tool_calls"; the runtime runs server-side tools itself and goes on, so
// one turn may hold several model calls), a server-side call held for the
// client's approval (finish "stop"; the session waits, tool-approvals.ts),
// more server-side tool calls than
// the turn's cap, the model stopping for length or content filter, a stop
// sequence, the output budget, an upstream 429 (passed on at once: clients own
// their retry policy), a session error, the deadline or a stall, or the client
// going away.
import type { SessionEvent } from "@github/copilot-sdk";
import { GatewayError } from "../core/gateway-error.js";
import type { ApprovalRequest, FinishReason, TurnEvent } from "../core/turn.js";
import { OutputLimits } from "./output-limits.js";
import { ServerToolAudit, type ServerToolCallListener } from "./server-tool-audit.js";
import { DEFAULT_MAX_SERVER_TOOL_CALLS, DEFAULT_SERVER_TOOL_TIMEOUT_MS, ServerToolCalls, type ServerToolLimits } from "./server-tool-calls.js";
import { ShownServerCalls } from "./shown-server-calls.js";
import type { PendingApproval, SessionApprovals } from "./tool-approvals.js";
import { ToolCallBook } from "./tool-calls.js";
import type { AssistantAnswer, PendingToolCall, TurnOutcome } from "./turn-outcome.js";
import { TurnTimer } from "./turn-timer.js";
import { upstreamError, type UpstreamFailure } from "./upstream-errors.js";
import { UsageTally } from "./usage-tally.js";

export interface TranslationSettings {
  /** Size of what was sent, for the usage estimate when the runtime reports none. */
  promptChars: number;
  /**
   * The model must start answering within this long, upstream retries
   * included, or the turn fails (504, or the last upstream error).
   */
  deadlineMs: number;
  /** How long the model has to start answering this time: what getting the turn its session left of the deadline (all of it when absent). */
  startWithinMs?: number;
  stop: readonly string[];
  maxOutputTokens?: number;
  /** False: only the first tool call of an assistant message is passed on. */
  parallelToolCalls: boolean;
  /**
   * The tools the client declared: a call of any other is the runtime's to
   * run, never shown to the client. Absent: every call is taken for the
   * client's (but those the runtime marks as MCP calls).
   */
  clientTools?: ReadonlySet<string>;
  /** Server-side tool calls: the most one turn may make, and how long one may run (defaults: 25, 60 s). */
  serverTools?: ServerToolLimits;
  /** Told of each MCP server's tool call the runtime ran, once it ended (or the turn did). */
  onServerToolCall?: ServerToolCallListener;
  /** Tools the runtime runs as handler tools for a server (a shared one), by the name the model calls them: their server and own name. */
  serverToolNames?: ReadonlyMap<string, { server: string; tool: string }>;
  /** The servers the request named: their calls are shown to the client (shown-server-calls.ts). */
  shownServers?: ReadonlySet<string>;
  /** The session's calls waiting on the client's approval, and what its last turn left running. */
  approvals?: SessionApprovals;
}

/** Where the translation goes. */
export interface TranslationSink {
  /** The next TurnEvent for the client; the sequence is well-formed (core/turn.ts). */
  emit(event: TurnEvent): void;
  /** The turn is over; called once, after its last event. */
  end(outcome: TurnOutcome): void;
  /** A call the client was not shown (parallel tool calls off), which the session still waits on. */
  decline(call: PendingToolCall): void;
}

export class TurnTranslator {
  private over = false;
  private readonly limits: OutputLimits;
  private readonly toolCalls: ToolCallBook;
  private readonly serverTools: ServerToolCalls;
  private readonly audit: ServerToolAudit | undefined;
  private readonly shown: ShownServerCalls;
  private readonly usage = new UsageTally();
  private readonly timer: TurnTimer;
  private lastFailure: UpstreamFailure | undefined;
  private userMessageEventId: string | undefined;

  constructor(
    private readonly settings: TranslationSettings,
    private readonly sink: TranslationSink,
  ) {
    this.limits = new OutputLimits(settings);
    this.toolCalls = new ToolCallBook(settings.parallelToolCalls, settings.clientTools);
    const carried = settings.approvals?.takeCarried();
    this.serverTools = new ServerToolCalls(settings.clientTools, settings.serverTools ?? { maxCalls: DEFAULT_MAX_SERVER_TOOL_CALLS, callTimeoutMs: DEFAULT_SERVER_TOOL_TIMEOUT_MS });
    this.serverTools.carriedOver(carried?.running ?? []);
    this.audit = settings.onServerToolCall ? new ServerToolAudit(settings.onServerToolCall, Date.now, carried?.audited) : undefined;
    this.shown = new ShownServerCalls(settings.shownServers ?? new Set(), carried?.shown);
    this.timer = new TurnTimer({ deadlineMs: settings.deadlineMs, lastFailure: () => this.lastFailure, expired: (error) => this.fail(error) });
  }

  /** Starts the deadline: the turn is being sent. */
  start(): void {
    this.timer.start(this.settings.startWithinMs);
  }

  /** The session took the turn's input: from now on the deadline waits on the model. */
  inputTaken(): void {
    this.timer.inputTaken();
  }

  /** One session event, in the order the runtime sent them; ignored once the turn is over. */
  handle(event: SessionEvent): void {
    if (this.over) return;
    this.timer.saw(event.type);
    switch (event.type) {
      case "model.call_failure":
        return this.modelCallFailed({ statusCode: event.data.statusCode, message: event.data.errorMessage });
      case "user.message":
        this.userMessageEventId ??= event.id;
        // The runtime has the message, even if its answer to the send is still on its way.
        return this.timer.inputTaken();
      case "assistant.message_delta":
        return this.showText(event.data.deltaContent);
      case "assistant.reasoning_delta":
        this.timer.answerStarted();
        return this.sink.emit({ type: "reasoning", delta: event.data.deltaContent });
      case "assistant.tool_call_delta":
        return this.showToolEvents(this.toolCalls.delta(event.data.toolCallId, event.data.toolName, event.data.inputDelta));
      case "assistant.usage":
        return this.usage.add(event.data);
      // The usage of a model call can come before its last text deltas (seen
      // when model traffic goes through the SDK's request handler), so a call
      // the model cut short ends the turn only once the call is over — before
      // the runtime's own "Please continue" call starts.
      case "assistant.turn_end":
        if (this.usage.cutShort) this.endEarly(this.usage.cutShort);
        return;
      case "assistant.message":
        return this.showToolEvents(this.toolCalls.assistantMessage(event.data.toolRequests ?? []));
      case "tool.execution_start": {
        const data = this.asServerCall(event.data);
        this.audit?.started(data, event.timestamp);
        this.shown.started(data);
        return this.toolStarted(data.toolCallId, data.toolName, data.mcpServerName);
      }
      case "tool.execution_complete":
        return this.toolCompleted(event.data, event.timestamp);
      case "external_tool.requested":
        // A shared server's tool: the SDK runs its handler.
        if (this.settings.serverToolNames?.has(event.data.toolName)) return;
        return this.toolCallRequested({ toolCallId: event.data.toolCallId, requestId: event.data.requestId });
      case "session.error":
        return this.fail(upstreamError({ statusCode: event.data.statusCode, message: event.data.message, errorType: event.data.errorType }));
      case "session.idle":
        if (event.data.aborted) return this.fail(upstreamError({ message: "the model call was aborted" }));
        return this.finish(this.toolCalls.any ? "tool_calls" : "stop", () => ({ kind: "completed", answer: this.answer() }));
      default:
        return;
    }
  }

  /** Shows the client the server tools a turn starts with (`server_tools_listed`). */
  showEvent(event: TurnEvent): void {
    if (!this.over) this.sink.emit(event);
  }

  /**
   * The runtime holds a call until the client approves it: the client is
   * shown the request and the turn ends, leaving the session waiting
   * (tool-approvals.ts).
   */
  approvalRequested(pending: PendingApproval): boolean {
    if (this.over) return false;
    this.shown.awaitingApproval(pending);
    const request: ApprovalRequest = { id: pending.id, server: pending.server, tool: pending.tool, arguments: pending.arguments };
    this.sink.emit({ type: "approval_request", ...request });
    this.finish("stop", () => ({ kind: "approvals_pending", answer: { ...this.answer(), approvals: [request] }, approvals: [pending] }));
    return true;
  }

  /** Ends the turn with this error as its last event (unless it is over already). */
  fail(error: GatewayError): void {
    if (this.over) return;
    this.sink.emit({ type: "error", error });
    this.end({ kind: "failed", error });
  }

  /**
   * The client's request was aborted. An abort with a GatewayError reason
   * (shutdown) is told to the client; a plain abort means the client left
   * and there is no one to tell.
   */
  clientAborted(reason: unknown): void {
    if (this.over) return;
    if (reason instanceof GatewayError) this.fail(reason);
    else this.end({ kind: "client_aborted" });
  }

  private modelCallFailed(failure: UpstreamFailure): void {
    this.lastFailure = failure;
    // The runtime would retry a 429 with back-off for a long time; the client decides instead.
    if (failure.statusCode === 429) this.fail(upstreamError(failure));
    // A retry after output was sent would send that output again from the
    // start: the client would see it twice. End honestly instead.
    else if (this.timer.answering) this.fail(upstreamError(failure));
  }

  private showText(delta: string): void {
    const { text, end } = this.limits.text(delta);
    if (text) {
      this.timer.answerStarted();
      this.sink.emit({ type: "text", delta: text });
    }
    if (end) this.endEarly(end);
  }

  private showToolEvents(events: readonly TurnEvent[]): void {
    for (const event of events) {
      if (event.type === "tool_call_start") this.timer.answerStarted();
      if (event.type === "tool_call_delta") this.limits.countToolArguments(event.argumentsDelta.length);
      this.sink.emit(event);
    }
  }

  /** A call the runtime runs: a server-side one counts against the cap, and holds the clock while it runs. */
  /** A call of a shared server's tool, named as the runtime names a call of its own servers' tools. */
  private asServerCall<T extends { toolName: string; mcpServerName?: string; mcpToolName?: string }>(data: T): T {
    const named = data.mcpServerName === undefined ? this.settings.serverToolNames?.get(data.toolName) : undefined;
    return named ? { ...data, mcpServerName: named.server, mcpToolName: named.tool } : data;
  }

  private toolStarted(toolCallId: string, toolName: string, mcpServerName: string | undefined): void {
    const { server, overCap } = this.serverTools.started(toolCallId, toolName, mcpServerName);
    if (overCap) return this.fail(overCap);
    if (server) this.serverToolsChanged();
  }

  private toolCompleted(data: Extract<SessionEvent, { type: "tool.execution_complete" }>["data"], timestamp: string): void {
    this.audit?.completed(data, timestamp);
    const shown = this.shown.completed(data);
    if (shown) this.sink.emit(shown);
    if (this.serverTools.completed(data.toolCallId)) this.serverToolsChanged();
  }

  /** While server-side calls run, the turn's clock allows them their timeout. */
  private serverToolsChanged(): void {
    this.timer.serverToolProgress(this.serverTools.runningNow, this.serverTools.limits.callTimeoutMs);
  }

  private toolCallRequested(call: PendingToolCall): void {
    const { shown, allRequested } = this.toolCalls.requested(call);
    if (!shown) this.sink.decline(call);
    if (allRequested) this.finish("tool_calls", () => ({ kind: "tool_calls_pending", answer: this.answer(), pending: allRequested }));
  }

  private answer(): AssistantAnswer {
    return {
      text: this.limits.shownText,
      toolCalls: this.toolCalls.calls,
      ...(this.userMessageEventId ? { userMessageEventId: this.userMessageEventId } : {}),
    };
  }

  private endEarly(reason: FinishReason): void {
    this.finish(reason, () => ({ kind: "ended_early" }));
  }

  /** `outcome` is read after the flush, so the answer it records is all the client was shown. */
  private finish(reason: FinishReason, outcome: () => TurnOutcome): void {
    if (this.over) return;
    // Text held back for a possible stop sequence that never came is owed to the client.
    const { text, exhausted } = this.limits.flush();
    if (text) this.sink.emit({ type: "text", delta: text });
    this.sink.emit({ type: "usage", usage: this.usage.total(this.settings.promptChars, this.limits.outputChars) });
    this.sink.emit({ type: "finish", reason: exhausted ? "length" : reason });
    // A cut answer is not what the session holds, so the session cannot be reused.
    this.end(exhausted ? { kind: "ended_early" } : outcome());
  }

  private end(outcome: TurnOutcome): void {
    this.over = true;
    this.timer.stop();
    // Calls still running go on in the session's next turn, which reports them.
    if (outcome.kind === "approvals_pending") {
      this.settings.approvals?.carry({ shown: this.shown.unfinished(), audited: this.audit?.handOver() ?? [], running: this.serverTools.runningIds() });
    }
    this.audit?.turnEnded();
    this.sink.end(outcome);
  }
}
