// TurnEvents → Responses API SSE frames (`event: <type>\ndata: <json>\n\n`),
// in the standard order OpenAI sends and openai-node's ResponseStream
// accumulator requires (`lib/responses/ResponseAccumulator.js` throws on a
// delta whose output or content index it has not seen, and on any event
// type it does not know):
//
//   response.created, response.in_progress,
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
//   then response.completed | response.incomplete (with usage), or response.failed.
//
// Codex reads `output_item.done` items, `output_text.delta`, reasoning summary
// deltas and `response.completed` (its `id` and usage), and treats a stream
// that closes without `response.completed` as failed; `response.failed`
// carries the error it reports.
import { GatewayError } from "../../core/gateway-error.js";
import type { TurnEvent, Usage } from "../../core/turn.js";
import { inputFromArguments } from "./custom-tools.js";
import {
  buildResponse,
  type CustomToolCallItem,
  type ToolSearchCallItem,
  type FunctionCallItem,
  type ItemStatus,
  type MessageItem,
  type OutputItem,
  type OutputText,
  type ReasoningItem,
  type ResponseMeta,
  type ResponseObject,
  type ResponseStatus,
} from "./response-object.js";

/**
 * Stateful and synchronous; every method returns zero or more complete SSE
 * frames ("" when there is nothing to write), so a write never splits a frame.
 * Every frame carries a `sequence_number`, from 0, one more each time.
 *
 * Contract for the caller:
 * - Write `start()` right after the commit point: it flushes the SSE headers
 *   (B.1 #6) and gives openai-node the `response.created` its accumulator
 *   needs first. (`encode` and `end` emit it first if `start` was skipped.)
 * - Pass every TurnEvent of the turn, in order, to `encode`. A `finish` ends
 *   the response with `response.completed` (or `response.incomplete` for
 *   `length`/`content_filter`); an `error` ends it with `response.failed`.
 *   `settled` turns true with either, and `response()` is then final.
 * - When the events end, write `end()` and close. It is "" after a settled
 *   response; if the events stopped with neither, it is a `response.failed`
 *   with `upstream_incomplete` instead of a response passed off as complete.
 * - Events after the response settled are ignored.
 * - Keep-alives between frames are `keepAliveFrame()`.
 */
export interface ResponsesStreamEncoder {
  start(): string;
  encode(event: TurnEvent): string;
  end(): string;
  /** The response as it stands: in progress, or final once `settled`. */
  response(): ResponseObject;
  readonly settled: boolean;
}

type OpenItem =
  | { kind: "message"; index: number; item: MessageItem; part: OutputText }
  | { kind: "function_call"; index: number; item: FunctionCallItem }
  /** `args` gathers the JSON arguments (`{"input":"…"}`): the raw input is known only once they are whole. */
  | { kind: "custom_tool_call"; index: number; item: CustomToolCallItem; args: string }
  /** Likewise: the search's arguments object is known once they are whole. */
  | { kind: "tool_search_call"; index: number; item: ToolSearchCallItem; args: string }
  | { kind: "reasoning"; index: number; item: ReasoningItem; part: { type: "summary_text"; text: string } };

export function createResponsesStreamEncoder(meta: ResponseMeta): ResponsesStreamEncoder {
  let sequence = 0;
  let started = false;
  let status: ResponseStatus = "in_progress";
  const output: OutputItem[] = [];
  let open: OpenItem | undefined;
  let usage: Usage | undefined;
  let error: GatewayError | undefined;
  let incomplete: "max_output_tokens" | "content_filter" | undefined;

  const frame = (type: string, payload: Record<string, unknown>): string =>
    // JSON.stringify never emits a raw newline, so each frame is one `data:` line.
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...payload })}\n\n`;

  const response = (): ResponseObject => buildResponse(meta, { status, output, usage, error, incomplete });

  const start = (): string => {
    if (started) return "";
    started = true;
    const created = response();
    return frame("response.created", { response: created }) + frame("response.in_progress", { response: created });
  };

  const itemFields = (at: { index: number; item: OutputItem }) => ({ output_index: at.index, item_id: at.item.id });

  const openMessage = (): string => {
    const item: MessageItem = { id: meta.itemId("msg"), type: "message", status: "in_progress", role: "assistant", content: [] };
    const part: OutputText = { type: "output_text", text: "", annotations: [], logprobs: [] };
    const at = { kind: "message" as const, index: output.push(item) - 1, item, part };
    // The item is announced without content; `content_part.added` adds the part (the accumulator pushes it).
    const added = frame("response.output_item.added", { output_index: at.index, item: structuredClone(item) });
    item.content.push(part);
    open = at;
    return added + frame("response.content_part.added", { ...itemFields(at), content_index: 0, part: structuredClone(part) });
  };

  const openReasoning = (): string => {
    const item: ReasoningItem = { id: meta.itemId("rs"), type: "reasoning", summary: [] };
    const part = { type: "summary_text" as const, text: "" };
    const at = { kind: "reasoning" as const, index: output.push(item) - 1, item, part };
    const added = frame("response.output_item.added", { output_index: at.index, item: structuredClone(item) });
    item.summary.push(part);
    open = at;
    return added + frame("response.reasoning_summary_part.added", { ...itemFields(at), summary_index: 0, part: structuredClone(part) });
  };

  const openCall = (id: string, offeredName: string): string => {
    // The call goes back as the client declared the tool: its own name, and its namespace if it has one.
    const route = meta.toolRoutes?.route(offeredName);
    const name = route?.name ?? offeredName;
    const namespace = route?.namespace ? { namespace: route.namespace } : {};
    if (route?.kind === "tool_search") {
      const item: ToolSearchCallItem = { id: meta.itemId("tsc"), type: "tool_search_call", status: "in_progress", call_id: id, execution: "client", arguments: {} };
      open = { kind: "tool_search_call", index: output.push(item) - 1, item, args: "" };
      return frame("response.output_item.added", { output_index: open.index, item: structuredClone(item) });
    }
    if (route?.kind === "custom") {
      const item: CustomToolCallItem = { id: meta.itemId("ctc"), type: "custom_tool_call", status: "in_progress", call_id: id, ...namespace, name, input: "" };
      open = { kind: "custom_tool_call", index: output.push(item) - 1, item, args: "" };
      return frame("response.output_item.added", { output_index: open.index, item: structuredClone(item) });
    }
    const item: FunctionCallItem = { id: meta.itemId("fc"), type: "function_call", status: "in_progress", call_id: id, ...namespace, name, arguments: "" };
    const at = { kind: "function_call" as const, index: output.push(item) - 1, item };
    open = at;
    // All of id, call_id, name and `arguments: ""` on the added item: the accumulator appends deltas to it.
    return frame("response.output_item.added", { output_index: at.index, item: structuredClone(item) });
  };

  /** Closes the open item with its `.done` events; `itemStatus` is "incomplete" when the output was cut. */
  const closeOpen = (itemStatus: ItemStatus = "completed"): string => {
    const at = open;
    open = undefined;
    if (at === undefined) return "";
    let out = "";
    switch (at.kind) {
      case "message":
        out += frame("response.output_text.done", { ...itemFields(at), content_index: 0, text: at.part.text, logprobs: [] });
        out += frame("response.content_part.done", { ...itemFields(at), content_index: 0, part: structuredClone(at.part) });
        at.item.status = itemStatus;
        break;
      case "reasoning":
        out += frame("response.reasoning_summary_text.done", { ...itemFields(at), summary_index: 0, text: at.part.text });
        out += frame("response.reasoning_summary_part.done", { ...itemFields(at), summary_index: 0, part: structuredClone(at.part) });
        break;
      case "function_call":
        // Concatenated arguments must parse as a JSON object; "" does not (B.3 #18).
        if (at.item.arguments === "") out += argumentsDelta(at, "{}");
        out += frame("response.function_call_arguments.done", { ...itemFields(at), name: at.item.name, arguments: at.item.arguments });
        at.item.status = itemStatus;
        break;
      case "tool_search_call":
        at.item.arguments = parsedArguments(at.args);
        at.item.status = itemStatus;
        break;
      case "custom_tool_call":
        at.item.input = inputFromArguments(at.args === "" ? "{}" : at.args);
        if (at.item.input !== "") out += frame("response.custom_tool_call_input.delta", { ...itemFields(at), delta: at.item.input });
        out += frame("response.custom_tool_call_input.done", { ...itemFields(at), input: at.item.input });
        at.item.status = itemStatus;
        break;
    }
    return out + frame("response.output_item.done", { output_index: at.index, item: structuredClone(at.item) });
  };

  const argumentsDelta = (at: Extract<OpenItem, { kind: "function_call" }>, delta: string): string => {
    at.item.arguments += delta;
    return frame("response.function_call_arguments.delta", { ...itemFields(at), delta });
  };

  const encodeContent = (event: Extract<TurnEvent, { type: "text" | "reasoning" | "tool_call_start" | "tool_call_delta" }>): string => {
    switch (event.type) {
      case "text": {
        if (event.delta === "") return "";
        const opening = open?.kind === "message" ? "" : closeOpen() + openMessage();
        const at = open as Extract<OpenItem, { kind: "message" }>;
        at.part.text += event.delta;
        return opening + frame("response.output_text.delta", { ...itemFields(at), content_index: 0, delta: event.delta, logprobs: [] });
      }
      case "reasoning": {
        // Reasoning is shown only to clients that asked for a summary, as OpenAI does.
        if (!meta.reasoning || event.delta === "") return "";
        const opening = open?.kind === "reasoning" ? "" : closeOpen() + openReasoning();
        const at = open as Extract<OpenItem, { kind: "reasoning" }>;
        at.part.text += event.delta;
        return opening + frame("response.reasoning_summary_text.delta", { ...itemFields(at), summary_index: 0, delta: event.delta });
      }
      case "tool_call_start":
        return closeOpen() + openCall(event.id, event.name);
      case "tool_call_delta":
        // One call's deltas end before the next starts (TurnEvent contract); a stray one has nowhere to go.
        if (open?.kind === "custom_tool_call" || open?.kind === "tool_search_call") {
          open.args += event.argumentsDelta;
          return "";
        }
        if (event.argumentsDelta === "" || open?.kind !== "function_call") return "";
        return argumentsDelta(open, event.argumentsDelta);
    }
  };

  const finish = (reason: Extract<TurnEvent, { type: "finish" }>["reason"]): string => {
    incomplete = reason === "length" ? "max_output_tokens" : reason === "content_filter" ? "content_filter" : undefined;
    const itemStatus: ItemStatus = incomplete ? "incomplete" : "completed";
    // A turn with no output still answers with one (empty) message, as the chat dialect answers "".
    let out = closeOpen(itemStatus) + (output.length === 0 ? openMessage() + closeOpen(itemStatus) : "");
    status = incomplete ? "incomplete" : "completed";
    out += frame(incomplete ? "response.incomplete" : "response.completed", { response: response() });
    return out;
  };

  const fail = (failure: GatewayError): string => {
    // Items cut off mid-way stay in the failed response, marked incomplete; no `.done` events claim otherwise.
    if (open && open.kind !== "reasoning") open.item.status = "incomplete";
    open = undefined;
    status = "failed";
    error = failure;
    return frame("response.failed", { response: response() });
  };

  const settled = () => status !== "in_progress";

  return {
    start,
    encode(event) {
      if (settled()) return "";
      const opening = start();
      switch (event.type) {
        case "usage":
          usage = event.usage;
          return opening;
        case "finish":
          return opening + finish(event.reason);
        case "error":
          return opening + fail(event.error);
        default:
          return opening + encodeContent(event);
      }
    },
    end() {
      if (settled()) return "";
      return (
        start() +
        fail(
          new GatewayError({
            status: 502,
            message: "The model's turn ended before it finished; the answer is incomplete.",
            code: "upstream_incomplete",
          }),
        )
      );
    },
    response,
    get settled() {
      return settled();
    },
  };
}

/** An SSE comment, skipped by openai-node, Codex's eventsource parser and Vercel alike (B.1 #4). */
export function keepAliveFrame(): string {
  return ": keep-alive\n\n";
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
