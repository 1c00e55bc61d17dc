// The client tool calls of one turn, from the runtime's events to the
// client's: each call gets its index the first time it is seen, its
// arguments stream as deltas, and once the runtime has asked for every call
// of the assistant message (`external_tool.requested`), the turn can hand
// them to the client. With parallel tool calls off, the client sees only the
// first call; the others are for the turn to decline. Calls of tools the
// client did not declare are the runtime's (server-tool-calls.ts): the
// client never sees them, and the turn does not wait for them.
import type { SessionEvent } from "@github/copilot-sdk";
import type { ToolCall, TurnEvent } from "../core/turn.js";
import { isClientTool, type ClientTools } from "./server-tool-calls.js";
import type { PendingToolCall } from "./turn-outcome.js";

export type ToolRequest = NonNullable<Extract<SessionEvent, { type: "assistant.message" }>["data"]["toolRequests"]>[number];

/** What the runtime's request for one call means for the turn. */
export interface RequestedCall {
  /** False: the client was not shown this call, so nobody will answer it unless the turn declines it. */
  shown: boolean;
  /** Once every call of the assistant message was requested: the shown ones, in the order the model made them. */
  allRequested?: PendingToolCall[];
}

export class ToolCallBook {
  private readonly indexById = new Map<string, number>();
  private readonly shownCalls = new Map<string, ToolCall>();
  private readonly argumentsSeen = new Set<string>();
  /** Calls whose deltas the client is not shown: the runtime's, or (unnamed when first seen) undecided until the assistant message. */
  private readonly hidden = new Set<string>();
  /** Calls of the assistant message still to reach `external_tool.requested`. */
  private awaited: Set<string> | undefined;
  private readonly pending: PendingToolCall[] = [];

  /** `parallel` false: only the first call of the turn reaches the client. `clientTools`: the names the client declared. */
  constructor(
    private readonly parallel: boolean,
    private readonly clientTools?: ClientTools,
  ) {}

  /**
   * A piece of a call's arguments as the model streams them. Returns what the
   * client sees: the call's `tool_call_start` the first time it is seen, then
   * the delta (none for an empty one); nothing for a call it is not shown,
   * nor for one of a tool the client did not declare.
   */
  delta(toolCallId: string, toolName: string | undefined, argumentsDelta: string): TurnEvent[] {
    const events: TurnEvent[] = [];
    let index = this.indexById.get(toolCallId);
    if (index === undefined) {
      if (this.hidden.has(toolCallId)) return events;
      if (!isClientTool(this.clientTools, toolName)) {
        this.hidden.add(toolCallId);
        return events;
      }
      if (!this.parallel && this.indexById.size > 0) return events;
      index = this.indexById.size;
      this.indexById.set(toolCallId, index);
      this.shownCalls.set(toolCallId, { id: toolCallId, name: toolName ?? "", arguments: "" });
      events.push({ type: "tool_call_start", index, id: toolCallId, name: toolName ?? "" });
    }
    if (argumentsDelta) {
      this.argumentsSeen.add(toolCallId);
      this.shownCalls.get(toolCallId)!.arguments += argumentsDelta;
      events.push({ type: "tool_call_delta", index, argumentsDelta });
    }
    return events;
  }

  /**
   * The assistant message's tool requests; only the client's count (none
   * changes nothing). A shown call whose arguments never streamed gets them
   * now, as one delta; from here the book waits for the runtime to request
   * every client call.
   */
  assistantMessage(requests: readonly ToolRequest[]): TurnEvent[] {
    // The runtime marks the calls of MCP tools; the client's are the names it declared.
    const clients = requests.filter((request) => request.mcpServerName === undefined && isClientTool(this.clientTools, request.name));
    if (clients.length === 0) return [];
    const events: TurnEvent[] = [];
    const passedOn = this.parallel ? clients : clients.slice(0, 1);
    for (const request of passedOn) {
      // Its first delta had no name: its arguments are given whole, now.
      this.hidden.delete(request.toolCallId);
      // A call with no arguments streams no deltas; clients still need "{}".
      if (!this.argumentsSeen.has(request.toolCallId)) {
        events.push(...this.delta(request.toolCallId, request.name, request.arguments === undefined ? "{}" : JSON.stringify(request.arguments)));
      }
    }
    this.awaited = new Set(clients.map((request) => request.toolCallId));
    return events;
  }

  /** The runtime asks for one call to be run by the client (`external_tool.requested`). */
  requested(call: PendingToolCall): RequestedCall {
    const shown = this.shownCalls.has(call.toolCallId);
    if (shown) this.pending.push(call);
    this.awaited?.delete(call.toolCallId);
    if (this.awaited?.size !== 0) return { shown };
    // Answered in the order the model made the calls, so the tool messages upstream keep that order.
    this.pending.sort((a, b) => (this.indexById.get(a.toolCallId) ?? 0) - (this.indexById.get(b.toolCallId) ?? 0));
    return { shown, allRequested: this.pending };
  }

  /** The calls the client was shown, in order, with their arguments so far. */
  get calls(): ToolCall[] {
    return [...this.shownCalls.values()];
  }

  /** Whether the client was shown any call. */
  get any(): boolean {
    return this.indexById.size > 0;
  }
}
