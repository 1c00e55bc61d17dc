// TurnEvents → the Responses stream's events: the one place that decides
// where an output item opens and closes, and that keeps the response as it
// stands. The SSE encoder numbers and writes these events as frames, and the
// JSON collector keeps the final response, so both say the same thing about
// the same turn.
//
// The order is the standard one OpenAI sends and openai-node's ResponseStream
// accumulator requires (`lib/responses/ResponseAccumulator.js` throws on a
// delta whose output or content index it has not seen, and on any event type
// it does not know):
//
//   response.created, response.in_progress   (the encoder's `start`)
//   per message:  output_item.added, content_part.added, output_text.delta…,
//                 output_text.done, content_part.done, output_item.done
//   per call:     output_item.added {function_call, arguments:""},
//                 function_call_arguments.delta…, function_call_arguments.done,
//                 output_item.done
//   per custom tool call: output_item.added {custom_tool_call, input:""},
//                 custom_tool_call_input.delta (the whole input, once the call's
//                 JSON arguments are complete), custom_tool_call_input.done, output_item.done
//   per reasoning (when asked for): output_item.added, reasoning_summary_part.added,
//                 reasoning_summary_text.delta…, reasoning_summary_text.done,
//                 reasoning_summary_part.done, output_item.done
//   per MCP item (mcp-items.ts): the item whole, with its own events
//   then response.completed | response.incomplete (with usage), or response.failed.
//
// Codex reads `output_item.done` items, `output_text.delta`, reasoning summary
// deltas and `response.completed` (its `id` and usage), and treats a stream
// that closes without `response.completed` as failed; `response.failed`
// carries the error it reports.
import type { GatewayError } from "../../core/gateway-error.js";
import type { FinishReason, TurnEvent, Usage } from "../../core/turn.js";
import { incompleteTurnError } from "../shared/incomplete-turn.js";
import { inputFromArguments } from "./custom-tools.js";
import {
  buildResponse,
  type CustomToolCallItem,
  type FunctionCallItem,
  type ItemStatus,
  type MessageItem,
  type OutputItem,
  type OutputText,
  type ReasoningItem,
  type ResponseMeta,
  type ResponseObject,
  type ResponseStatus,
  type ToolSearchCallItem,
} from "./response-object.js";
import { mcpItemEvents, type McpTurnEvent } from "./mcp-items.js";
import type { ItemRef, ResponseStreamEvent, SummaryText } from "./stream-events.js";

type OpenItem =
  | { kind: "message"; index: number; item: MessageItem; part: OutputText }
  | { kind: "reasoning"; index: number; item: ReasoningItem; part: SummaryText }
  | { kind: "function_call"; index: number; item: FunctionCallItem }
  /** `args` gathers the JSON arguments (`{"input":"…"}`): the raw input is known only once they are whole. */
  | { kind: "custom_tool_call"; index: number; item: CustomToolCallItem; args: string }
  /** Likewise: the search's arguments object is known once they are whole. */
  | { kind: "tool_search_call"; index: number; item: ToolSearchCallItem; args: string };

type Open<Kind extends OpenItem["kind"]> = Extract<OpenItem, { kind: Kind }>;

type IncompleteReason = NonNullable<ResponseObject["incomplete_details"]>["reason"];

/**
 * Stateful and synchronous. `push` takes every TurnEvent in order; `end`
 * closes the sequence when the events run out. A `finish` ends the response
 * as completed (or incomplete for `length`/`content_filter`) and an `error`
 * as failed; `settled` turns true with either, `response()` is then final,
 * and later events are ignored. Events that ended with neither get a failed
 * response with `upstream_incomplete` from `end`, never one passed off as
 * complete. Every event carries its own copy of what it shows.
 */
export class OutputSequencer {
  private readonly output: OutputItem[] = [];
  private open: OpenItem | undefined;
  private status: ResponseStatus = "in_progress";
  private usage: Usage | undefined;
  private error: GatewayError | undefined;
  private incomplete: IncompleteReason | undefined;

  constructor(private readonly meta: ResponseMeta) {}

  get settled(): boolean {
    return this.status !== "in_progress";
  }

  /** The response as it stands: in progress, or final once `settled`. */
  response(): ResponseObject {
    const { status, output, usage, error, incomplete } = this;
    return buildResponse(this.meta, { status, output, usage, error, incomplete });
  }

  push(event: TurnEvent): ResponseStreamEvent[] {
    if (this.settled) return [];
    switch (event.type) {
      case "usage":
        this.usage = event.usage;
        return [];
      case "finish":
        return this.finish(event.reason);
      case "error":
        return this.fail(event.error);
      case "text":
        return event.delta === "" ? [] : this.appendText(event.delta);
      case "reasoning":
        // Reasoning is shown only to clients that asked for a summary, as OpenAI does.
        return !this.meta.reasoning || event.delta === "" ? [] : this.appendReasoning(event.delta);
      case "tool_call_start":
        return [...this.closeOpen(), ...this.openCall(event.id, event.name)];
      case "tool_call_delta":
        return this.appendArguments(event.argumentsDelta);
      case "server_tools_listed":
      case "server_tool_call":
      case "approval_request":
        return this.addMcpItem(event);
    }
  }

  end(): ResponseStreamEvent[] {
    return this.settled ? [] : this.fail(incompleteTurnError());
  }

  /** An MCP item comes whole: whatever is open closes first. */
  private addMcpItem(event: McpTurnEvent): ResponseStreamEvent[] {
    const closing = this.closeOpen();
    const { item, events } = mcpItemEvents(event, this.output.length, this.meta.itemId);
    this.output.push(item);
    return [...closing, ...events];
  }

  private appendText(delta: string): ResponseStreamEvent[] {
    const opening = this.open?.kind === "message" ? [] : [...this.closeOpen(), ...this.openMessage()];
    const at = this.open as Open<"message">;
    at.part.text += delta;
    return [...opening, { type: "response.output_text.delta", ...refOf(at), content_index: 0, delta, logprobs: [] }];
  }

  private appendReasoning(delta: string): ResponseStreamEvent[] {
    const opening = this.open?.kind === "reasoning" ? [] : [...this.closeOpen(), ...this.openReasoning()];
    const at = this.open as Open<"reasoning">;
    at.part.text += delta;
    return [...opening, { type: "response.reasoning_summary_text.delta", ...refOf(at), summary_index: 0, delta }];
  }

  private appendArguments(delta: string): ResponseStreamEvent[] {
    const at = this.open;
    // One call's deltas end before the next starts (TurnEvent contract); a stray one has nowhere to go.
    if (at?.kind === "custom_tool_call" || at?.kind === "tool_search_call") {
      at.args += delta;
      return [];
    }
    if (delta === "" || at?.kind !== "function_call") return [];
    return [argumentsDelta(at, delta)];
  }

  private openMessage(): ResponseStreamEvent[] {
    const item: MessageItem = { id: this.meta.itemId("msg"), type: "message", status: "in_progress", role: "assistant", content: [] };
    const part: OutputText = { type: "output_text", text: "", annotations: [], logprobs: [] };
    const at: Open<"message"> = { kind: "message", index: this.output.push(item) - 1, item, part };
    this.open = at;
    // The item is announced without content; `content_part.added` adds the part (the accumulator pushes it).
    const added = itemAdded(at);
    item.content.push(part);
    return [added, { type: "response.content_part.added", ...refOf(at), content_index: 0, part: structuredClone(part) }];
  }

  private openReasoning(): ResponseStreamEvent[] {
    const item: ReasoningItem = { id: this.meta.itemId("rs"), type: "reasoning", summary: [] };
    const part: SummaryText = { type: "summary_text", text: "" };
    const at: Open<"reasoning"> = { kind: "reasoning", index: this.output.push(item) - 1, item, part };
    this.open = at;
    const added = itemAdded(at);
    item.summary.push(part);
    return [added, { type: "response.reasoning_summary_part.added", ...refOf(at), summary_index: 0, part: structuredClone(part) }];
  }

  private openCall(callId: string, offeredName: string): ResponseStreamEvent[] {
    // The call goes back as the client declared the tool: its own name, and its namespace if it has one.
    const route = this.meta.toolRoutes?.route(offeredName);
    const name = route?.name ?? offeredName;
    const namespace = route?.namespace ? { namespace: route.namespace } : {};
    let at: OpenItem;
    if (route?.kind === "tool_search") {
      const item: ToolSearchCallItem = { id: this.meta.itemId("tsc"), type: "tool_search_call", status: "in_progress", call_id: callId, execution: "client", arguments: {} };
      at = { kind: "tool_search_call", index: this.output.push(item) - 1, item, args: "" };
    } else if (route?.kind === "custom") {
      const item: CustomToolCallItem = { id: this.meta.itemId("ctc"), type: "custom_tool_call", status: "in_progress", call_id: callId, ...namespace, name, input: "" };
      at = { kind: "custom_tool_call", index: this.output.push(item) - 1, item, args: "" };
    } else {
      // All of id, call_id, name and `arguments: ""` on the added item: the accumulator appends deltas to it.
      const item: FunctionCallItem = { id: this.meta.itemId("fc"), type: "function_call", status: "in_progress", call_id: callId, ...namespace, name, arguments: "" };
      at = { kind: "function_call", index: this.output.push(item) - 1, item };
    }
    this.open = at;
    return [itemAdded(at)];
  }

  /** The open item's `.done` events; `status` is "incomplete" when the output was cut. */
  private closeOpen(status: ItemStatus = "completed"): ResponseStreamEvent[] {
    const at = this.open;
    this.open = undefined;
    if (at === undefined) return [];
    return [...completeItem(at, status), { type: "response.output_item.done", output_index: at.index, item: structuredClone(at.item) }];
  }

  private finish(reason: FinishReason): ResponseStreamEvent[] {
    this.incomplete = reason === "length" ? "max_output_tokens" : reason === "content_filter" ? "content_filter" : undefined;
    const itemStatus: ItemStatus = this.incomplete ? "incomplete" : "completed";
    const events = this.closeOpen(itemStatus);
    // A turn with no output still answers with one (empty) message, as the chat dialect answers "".
    if (this.output.length === 0) events.push(...this.openMessage(), ...this.closeOpen(itemStatus));
    this.status = this.incomplete ? "incomplete" : "completed";
    events.push({ type: this.incomplete ? "response.incomplete" : "response.completed", response: this.response() });
    return events;
  }

  private fail(error: GatewayError): ResponseStreamEvent[] {
    // Items cut off mid-way stay in the failed response, marked incomplete; no `.done` events claim otherwise.
    if (this.open && this.open.kind !== "reasoning") this.open.item.status = "incomplete";
    this.open = undefined;
    this.status = "failed";
    this.error = error;
    return [{ type: "response.failed", response: this.response() }];
  }
}

function refOf(at: OpenItem): ItemRef {
  return { output_index: at.index, item_id: at.item.id };
}

function itemAdded(at: OpenItem): ResponseStreamEvent {
  return { type: "response.output_item.added", output_index: at.index, item: structuredClone(at.item) };
}

function argumentsDelta(at: Open<"function_call">, delta: string): ResponseStreamEvent {
  at.item.arguments += delta;
  return { type: "response.function_call_arguments.delta", ...refOf(at), delta };
}

/** Settles the item's content and status, and says so in the events its kind ends with (all but `output_item.done`). */
function completeItem(at: OpenItem, status: ItemStatus): ResponseStreamEvent[] {
  switch (at.kind) {
    case "message":
      at.item.status = status;
      return [
        { type: "response.output_text.done", ...refOf(at), content_index: 0, text: at.part.text, logprobs: [] },
        { type: "response.content_part.done", ...refOf(at), content_index: 0, part: structuredClone(at.part) },
      ];
    case "reasoning":
      return [
        { type: "response.reasoning_summary_text.done", ...refOf(at), summary_index: 0, text: at.part.text },
        { type: "response.reasoning_summary_part.done", ...refOf(at), summary_index: 0, part: structuredClone(at.part) },
      ];
    case "function_call": {
      // Concatenated arguments must parse as a JSON object; "" does not (B.3 #18).
      const events = at.item.arguments === "" ? [argumentsDelta(at, "{}")] : [];
      at.item.status = status;
      return [...events, { type: "response.function_call_arguments.done", ...refOf(at), name: at.item.name, arguments: at.item.arguments }];
    }
    case "tool_search_call":
      at.item.arguments = parsedArguments(at.args);
      at.item.status = status;
      return [];
    case "custom_tool_call": {
      at.item.input = inputFromArguments(at.args === "" ? "{}" : at.args);
      at.item.status = status;
      const delta: ResponseStreamEvent[] = at.item.input === "" ? [] : [{ type: "response.custom_tool_call_input.delta", ...refOf(at), delta: at.item.input }];
      return [...delta, { type: "response.custom_tool_call_input.done", ...refOf(at), input: at.item.input }];
    }
  }
}

/** A tool search's arguments as the object the item carries; text that is not a JSON object is kept as the query. */
function parsedArguments(args: string): unknown {
  try {
    const parsed: unknown = JSON.parse(args === "" ? "{}" : args);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
  } catch {
    // Not JSON: below.
  }
  return { query: args };
}
