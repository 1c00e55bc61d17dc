// TurnEvents → content-block steps: the one place that decides where a block
// starts and stops. The SSE encoder writes these steps as frames and the JSON
// collector folds them into `content`, so both paths say the same thing about
// the same turn.
//
// Block invariants (B.13 #74; a violation gives Claude Code "Content block not
// found" and a fallback to non-streaming, litellm #13373): indices start at 0
// and grow by 1, one block is open at a time, every delta targets the open
// block, and every started block is stopped before the message ends.
import type { GatewayError } from "../../core/gateway-error.js";
import type { FinishReason, TurnEvent, Usage } from "../../core/turn.js";
import { incompleteTurnError } from "../shared/incomplete-turn.js";

export type ContentBlockStart =
  | { type: "text"; text: "" }
  /** `signature` is empty: the gateway has no Anthropic signature to give, and drops thinking sent back (B.13 #81). */
  | { type: "thinking"; thinking: ""; signature: "" }
  /** id and name on the block itself, as the SDK and Claude Code read them (B.13 #73). */
  // `caller` direct: the model itself called the tool (the SDK's ToolUseBlock requires it).
  | { type: "tool_use"; id: string; name: string; input: Record<string, never>; caller: { type: "direct" } }
  /** A call the gateway's runtime ran on an MCP server the request named (the connector's blocks); its input streams as JSON. */
  | { type: "mcp_tool_use"; id: string; name: string; server_name: string; input: Record<string, never> }
  | { type: "mcp_tool_result"; tool_use_id: string; is_error: boolean; content: Array<{ type: "text"; text: string }> };

export type ContentBlockDelta =
  | { type: "text_delta"; text: string }
  | { type: "thinking_delta"; thinking: string }
  | { type: "input_json_delta"; partial_json: string };

export type StopReason = "end_turn" | "max_tokens" | "tool_use" | "refusal";

export type BlockStep =
  | { kind: "block_start"; index: number; block: ContentBlockStart }
  | { kind: "block_delta"; index: number; delta: ContentBlockDelta }
  | { kind: "block_stop"; index: number }
  | { kind: "message_end"; stopReason: StopReason; usage: Usage | undefined }
  | { kind: "error"; error: GatewayError };

/**
 * B.13 #75. A turn that called a tool ends with `tool_use` (Claude Code runs
 * the tools only then); `length` stays `max_tokens`, so a truncated call is
 * never taken as complete. `stop_sequence` is not used: the turn does not say
 * whether it ended at one of them or naturally.
 */
export function toStopReason(reason: FinishReason, calledTool: boolean): StopReason {
  switch (reason) {
    case "length":
      return "max_tokens";
    case "content_filter":
      return "refusal";
    case "tool_calls":
      return "tool_use";
    case "stop":
      return calledTool ? "tool_use" : "end_turn";
  }
}

type OpenBlock = { index: number } & ({ type: "text" | "thinking" } | { type: "tool_use"; toolIndex: number });

/**
 * Stateful and synchronous. `push` takes every TurnEvent in order; `end`
 * closes the sequence when the events run out. After a `finish` the message
 * ends (content events after it are ignored, a late `usage` too); after an
 * `error` nothing more is produced, not even the stop of the open block: the
 * error ends the message. Events that ended with neither get an
 * `upstream_incomplete` error from `end`, never a fake `end_turn`.
 */
export class BlockSequencer {
  private open: OpenBlock | undefined;
  private nextIndex = 0;
  private usage: Usage | undefined;
  private calledTool = false;
  private closed = false;

  /** `thinking`: reasoning becomes `thinking` blocks; otherwise it is dropped. */
  constructor(private readonly options: { thinking: boolean }) {}

  push(event: TurnEvent): BlockStep[] {
    if (this.closed) return [];
    switch (event.type) {
      case "usage":
        this.usage = event.usage;
        return [];
      case "error":
        this.closed = true;
        return [{ kind: "error", error: event.error }];
      case "finish":
        this.closed = true;
        return [...this.stopOpen(), { kind: "message_end", stopReason: toStopReason(event.reason, this.calledTool), usage: this.usage }];
      case "text":
        if (event.delta === "") return [];
        return [...this.ensureOpen("text"), { kind: "block_delta", index: this.open!.index, delta: { type: "text_delta", text: event.delta } }];
      case "reasoning":
        if (!this.options.thinking || event.delta === "") return [];
        return [
          ...this.ensureOpen("thinking"),
          { kind: "block_delta", index: this.open!.index, delta: { type: "thinking_delta", thinking: event.delta } },
        ];
      case "tool_call_start": {
        this.calledTool = true;
        const steps = this.stopOpen();
        const index = this.nextIndex++;
        this.open = { index, type: "tool_use", toolIndex: event.index };
        return [...steps, { kind: "block_start", index, block: { type: "tool_use", id: event.id, name: event.name, input: {}, caller: { type: "direct" } } }];
      }
      case "tool_call_delta": {
        const open = this.open;
        // A call's deltas end before the next call starts (TurnEvent contract); a stray one cannot reopen a stopped block.
        if (event.argumentsDelta === "" || open?.type !== "tool_use" || open.toolIndex !== event.index) return [];
        return [{ kind: "block_delta", index: open.index, delta: { type: "input_json_delta", partial_json: event.argumentsDelta } }];
      }
      case "server_tool_call":
        return this.serverCall(event);
      // The connector shows no tool listing, and has no approvals.
      case "server_tools_listed":
      case "approval_request":
        return [];
    }
  }

  end(): BlockStep[] {
    if (this.closed) return [];
    this.closed = true;
    return [{ kind: "error", error: incompleteTurnError() }];
  }

  /** A server call comes whole: its use block (the input as one JSON delta), then its result block. */
  private serverCall(call: Extract<TurnEvent, { type: "server_tool_call" }>): BlockStep[] {
    const steps = this.stopOpen();
    const use = this.nextIndex++;
    const result = this.nextIndex++;
    const text = call.error ?? call.output ?? "";
    return [
      ...steps,
      { kind: "block_start", index: use, block: { type: "mcp_tool_use", id: call.id, name: call.tool, server_name: call.server, input: {} } },
      { kind: "block_delta", index: use, delta: { type: "input_json_delta", partial_json: call.arguments } },
      { kind: "block_stop", index: use },
      { kind: "block_start", index: result, block: { type: "mcp_tool_result", tool_use_id: call.id, is_error: call.error !== undefined, content: [{ type: "text", text }] } },
      { kind: "block_stop", index: result },
    ];
  }

  private ensureOpen(type: "text" | "thinking"): BlockStep[] {
    if (this.open?.type === type) return [];
    const steps = this.stopOpen();
    const index = this.nextIndex++;
    this.open = { index, type };
    const block: ContentBlockStart = type === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" };
    return [...steps, { kind: "block_start", index, block }];
  }

  private stopOpen(): BlockStep[] {
    const open = this.open;
    this.open = undefined;
    return open ? [{ kind: "block_stop", index: open.index }] : [];
  }
}
