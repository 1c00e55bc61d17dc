// TurnEvents → Chat Completions SSE frames (`data: <one-line JSON>\n\n`).
import type { GatewayError } from "../../core/gateway-error.js";
import type { FinishReason, TurnEvent, Usage } from "../../core/turn.js";
import { incompleteTurnError } from "../shared/incomplete-turn.js";
import { chatFinishReason, toChatUsage } from "./usage.js";

export interface ChatResponseMeta {
  /** `chatcmpl-…`, shared by every chunk (B.2 #8). */
  id: string;
  /** Unix seconds. */
  created: number;
  /** The model id as the client named it (B.6 #35). */
  model: string;
  /** `stream_options.include_usage`: end with a `choices: []` usage chunk (B.4 #23). */
  includeUsage: boolean;
  /** False = strict mode: no `reasoning_content`/`reasoning` fields at all (B.5 #28). */
  reasoning: boolean;
}

/**
 * Stateful and synchronous; every method returns zero or more complete SSE
 * frames ("" when there is nothing to write), so a write never splits a frame.
 *
 * Contract for the caller:
 * - Call `start()` once, right after the commit point, and write its role chunk
 *   at once: it flushes the SSE headers (B.1 #6), and openai-node's
 *   `finalChatCompletion()` throws "missing role for choice 0" without it
 *   (B.2 #9). (`encode` and `end` emit it first if `start` was skipped.)
 * - Pass every TurnEvent of the turn, in order, to `encode`.
 * - When the events end, call `end()` and write what it returns, then close.
 *   After a `finish` that is the usage chunk (when `includeUsage` and a usage
 *   event was seen; none is invented) and `data: [DONE]`. After an `error`
 *   event it is "": the error frame already ended the stream, and clients must
 *   not see `[DONE]` or a fake `finish_reason` after a failure (B.2 #13/#14).
 *   If the events stopped with neither, `end()` writes an `upstream_incomplete`
 *   error frame instead of pretending the answer was complete.
 * - Events after an `error` are ignored, as are content events after `finish`.
 * - Keep-alives between frames are `keepAliveFrame()`, never `: ping` (B.1 #4).
 */
export interface ChatStreamEncoder {
  start(): string;
  encode(event: TurnEvent): string;
  end(): string;
}

export function createChatStreamEncoder(meta: ChatResponseMeta): ChatStreamEncoder {
  let started = false;
  let finished = false;
  let closed = false;
  let usage: Usage | undefined;
  let calledTool = false;
  // The tool call whose argument deltas are being written, to close an argument-less one with "{}".
  let openCall: { index: number; hasArguments: boolean } | undefined;

  const chunk = (delta: Record<string, unknown>, finishReason: FinishReason | null = null): string =>
    frame({
      id: meta.id,
      object: "chat.completion.chunk",
      created: meta.created,
      model: meta.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      // With include_usage, "all other chunks will also include a usage field, but with a null value" (OpenAI's spec).
      ...(meta.includeUsage ? { usage: null } : {}),
    });

  const start = (): string => {
    if (started) return "";
    started = true;
    return chunk({ role: "assistant", content: "" });
  };

  /** Concatenated arguments must parse as a JSON object; "" does not (B.3 #18). */
  const closeOpenCall = (): string => {
    const call = openCall;
    openCall = undefined;
    if (call === undefined || call.hasArguments) return "";
    return toolCallChunk({ index: call.index, function: { arguments: "{}" } });
  };

  // One tool call per chunk, never beside content (Continue drops the rest: B.2 #11, B.3 #19).
  const toolCallChunk = (toolCall: Record<string, unknown>): string => chunk({ tool_calls: [toolCall] });

  const fail = (error: GatewayError): string => {
    closed = true;
    return frame(error.toOpenAI());
  };

  const encodeContent = (event: Exclude<TurnEvent, { type: "usage" | "finish" | "error" }>): string => {
    switch (event.type) {
      // Empty deltas are skipped: `content: ""` belongs to the role chunk only (B.2 #12).
      case "text":
        return event.delta === "" ? "" : start() + chunk({ content: event.delta });
      case "reasoning":
        if (!meta.reasoning || event.delta === "") return "";
        // Both names: Cline reads only `reasoning_content`; OpenRouter-style clients read `reasoning` (B.5 #27/#28).
        return start() + chunk({ reasoning_content: event.delta, reasoning: event.delta });
      case "tool_call_start": {
        const previous = closeOpenCall();
        calledTool = true;
        openCall = { index: event.index, hasArguments: false };
        // All four fields on the first delta: Vercel and openai-node reject a call without them (B.3 #16).
        return (
          start() +
          previous +
          toolCallChunk({ index: event.index, id: event.id, type: "function", function: { name: event.name, arguments: "" } })
        );
      }
      case "tool_call_delta":
        if (event.argumentsDelta === "") return "";
        if (openCall?.index === event.index) openCall.hasArguments = true;
        // `function` on every delta: Vercel's chunk schema requires it (B.3 #17).
        return start() + toolCallChunk({ index: event.index, function: { arguments: event.argumentsDelta } });
      // Chat Completions has no item for a server-side call: its result shows only in the answer.
      case "server_tools_listed":
      case "server_tool_call":
      case "approval_request":
        return "";
    }
  };

  return {
    start,

    encode(event) {
      if (closed) return "";
      switch (event.type) {
        case "error":
          return fail(event.error);
        case "usage":
          usage = event.usage;
          return "";
        case "finish": {
          if (finished) return "";
          finished = true;
          const reason = chatFinishReason(event.reason, calledTool);
          return start() + closeOpenCall() + chunk({}, reason);
        }
        default:
          return finished ? "" : encodeContent(event);
      }
    },

    end() {
      if (closed) return "";
      if (!finished) return fail(incompleteTurnError());
      closed = true;
      const usageChunk =
        meta.includeUsage && usage !== undefined
          ? frame({ id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices: [], usage: toChatUsage(usage) })
          : "";
      return usageChunk + "data: [DONE]\n\n";
    },
  };
}

/**
 * An SSE comment: every SSE parser skips it. Not `: ping`, which Continue's
 * `parseSseLine` treats like `[DONE]` (B.1 #4).
 */
export function keepAliveFrame(): string {
  return ": keep-alive\n\n";
}

/** JSON.stringify never emits a raw newline, so each frame is one `data:` line. */
function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}
