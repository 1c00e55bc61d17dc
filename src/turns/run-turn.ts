// Runs one exchange on a Copilot session and yields it as TurnEvents.
//
// The turn ends on the first of: the session going idle (finish "stop"), every
// tool call of the assistant message waiting on the client (finish
// "tool_calls"), the model stopping for length or content filter, a stop
// sequence, the output budget, an upstream 429 (passed on at once: clients own
// their retry policy), a session error, the gateway's deadline, or the client
// going away. Whatever ends it early also aborts the session, so the model
// call upstream is cancelled rather than left running.
import type { CopilotSession, SessionEvent } from "@github/copilot-sdk";
import { GatewayError } from "../core/gateway-error.js";
import { EventQueue } from "./event-queue.js";
import type { FinishReason, ToolCall, TurnEvent, Usage } from "../core/turn.js";
import { StopSequenceMatcher } from "./stop-sequences.js";
import { runtimeCallError, upstreamError, upstreamStalled, upstreamTimeout, type UpstreamFailure } from "./upstream-errors.js";

export interface TurnOptions {
  /** Starts the exchange once the turn listens: sends the prompt, or answers pending tool calls. */
  begin: () => Promise<unknown>;
  /** Size of what was sent, for the usage estimate when the runtime reports none. */
  promptChars: number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /**
   * The model must start answering within this long, upstream retries
   * included, or the turn fails (504, or the last upstream error).
   */
  deadlineMs: number;
  stop: readonly string[];
  maxOutputTokens?: number;
  /** False: only the first tool call of an assistant message is passed on. */
  parallelToolCalls: boolean;
}

export interface PendingToolCall {
  toolCallId: string;
  requestId: string;
}

/** What the client was shown of the assistant's answer: the next request will send it back. */
export interface AssistantAnswer {
  text: string;
  toolCalls: ToolCall[];
  /** Session event id of the user message this turn sent, if it sent one: where the conversation can be forked. */
  userMessageEventId?: string;
}

export type TurnOutcome =
  | { kind: "completed"; answer: AssistantAnswer }
  | { kind: "tool_calls_pending"; answer: AssistantAnswer; pending: PendingToolCall[] }
  | { kind: "ended_early" }
  | { kind: "failed"; error: GatewayError }
  | { kind: "client_aborted" };

export interface Turn extends AsyncIterable<TurnEvent> {
  /** Resolves once the session took the turn (`begin` succeeded); rejects with the reason if it did not. */
  readonly started: Promise<void>;
  /** Settles when the turn is over; tells the owner whether the session is still usable. */
  readonly outcome: Promise<TurnOutcome>;
}

/** The gateway's output budget has no tokenizer: about four characters a token. */
const CHARS_PER_TOKEN = 4;

/**
 * Once the answer is streaming, silence is allowed to last this long (the
 * client gets keep-alives meanwhile) before the call is taken to be hung.
 */
export const STALL_LIMIT_MS = 5 * 60_000;

/** Events that show a streaming answer is still alive. */
const PROGRESS = new Set([
  "assistant.turn_start",
  "assistant.message_start",
  "assistant.message_delta",
  "assistant.reasoning_delta",
  "assistant.tool_call_delta",
  "assistant.streaming_delta",
  "assistant.message",
  "assistant.usage",
]);

export function runTurn(session: CopilotSession, options: TurnOptions): Turn {
  const queue = new EventQueue<TurnEvent>();
  let settle: (outcome: TurnOutcome) => void = () => {};
  const outcome = new Promise<TurnOutcome>((resolve) => (settle = resolve));
  let over = false;

  const stopMatcher = new StopSequenceMatcher(options.stop);
  const outputBudget = options.maxOutputTokens === undefined ? Infinity : options.maxOutputTokens * CHARS_PER_TOKEN;
  let outputChars = 0;
  let sentOutput = false;
  let usage: Usage | undefined;
  /** Why the model stopped a call early (length, content filter), once its usage said so. */
  let cutShort: FinishReason | undefined;
  let lastFailure: UpstreamFailure | undefined;

  let answerText = "";
  let userMessageEventId: string | undefined;
  const answerCalls = new Map<string, ToolCall>();
  const toolIndexById = new Map<string, number>();
  const toolArgsSeen = new Set<string>();
  /** Calls of the assistant message still to reach `external_tool.requested`. */
  let awaitedToolCalls: Set<string> | undefined;
  const pending: PendingToolCall[] = [];

  let timer: ReturnType<typeof setTimeout> | undefined;
  const startDeadline = () => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(upstreamTimeout(Math.round(options.deadlineMs / 1000), lastFailure)), options.deadlineMs);
  };
  const extendStallLimit = () => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(upstreamStalled(Math.round(STALL_LIMIT_MS / 1000))), STALL_LIMIT_MS);
  };

  const finish = (reason: FinishReason, result: TurnOutcome) => {
    if (over) return;
    // Text held back for a possible stop sequence that never came is owed to the client.
    const { text, exhausted } = clip(stopMatcher.flush());
    if (text) {
      answerText += text;
      queue.push({ type: "text", delta: text });
    }
    queue.push({ type: "usage", usage: usage ?? estimateUsage(options.promptChars, outputChars) });
    queue.push({ type: "finish", reason: exhausted ? "length" : reason });
    // A cut answer is not what the session holds, so the session cannot be reused.
    end(exhausted ? { kind: "ended_early" } : result);
  };
  const fail = (error: GatewayError) => {
    if (over) return;
    queue.push({ type: "error", error });
    end({ kind: "failed", error });
  };
  const end = (result: TurnOutcome) => {
    over = true;
    clearTimeout(timer);
    unsubscribe();
    options.signal.removeEventListener("abort", onClientAbort);
    queue.close();
    // Anything but a natural end (idle, or tools waiting on the client) leaves
    // a model call or an unwanted continuation running upstream: cancel it.
    if (result.kind !== "completed" && result.kind !== "tool_calls_pending") void session.abort().catch(() => undefined);
    settle(result);
  };
  const endEarly = (reason: FinishReason) => finish(reason, { kind: "ended_early" });
  const answer = (): AssistantAnswer => ({
    text: answerText,
    toolCalls: [...answerCalls.values()],
    ...(userMessageEventId ? { userMessageEventId } : {}),
  });

  const markOutput = () => {
    if (sentOutput) return;
    sentOutput = true;
    extendStallLimit();
  };
  const clip = (delta: string) => {
    const room = outputBudget - outputChars;
    const text = delta.length > room ? delta.slice(0, Math.max(0, room)) : delta;
    outputChars += text.length;
    return { text, exhausted: delta.length > room };
  };
  const emitText = (delta: string) => {
    const { text, exhausted } = clip(delta);
    if (text) {
      markOutput();
      answerText += text;
      queue.push({ type: "text", delta: text });
    }
    if (exhausted) endEarly("length");
  };

  const onEvent = (event: SessionEvent) => {
    if (over) return;
    // Before the first output the deadline runs on, whatever the runtime does.
    if (sentOutput && PROGRESS.has(event.type)) extendStallLimit();
    // `model.*` events are runtime diagnostics outside the SDK's typed union.
    const type = event.type as string;
    if (type === "model.call_failure") {
      const data = (event as unknown as { data: { statusCode?: number; errorMessage?: string } }).data;
      lastFailure = { statusCode: data.statusCode, message: data.errorMessage };
      // The runtime would retry a 429 with back-off for a long time; the client decides instead.
      if (data.statusCode === 429) fail(upstreamError(lastFailure));
      // A retry after output was sent would send that output again from the
      // start: the client would see it twice. End honestly instead.
      else if (sentOutput) fail(upstreamError(lastFailure));
      return;
    }
    switch (event.type) {
      case "user.message":
        userMessageEventId ??= event.id;
        return;
      case "assistant.message_delta": {
        if (!stopMatcher.active) return emitText(event.data.deltaContent);
        const { text, stopped } = stopMatcher.push(event.data.deltaContent);
        if (text) emitText(text);
        if (stopped && !over) endEarly("stop");
        return;
      }
      case "assistant.reasoning_delta":
        markOutput();
        queue.push({ type: "reasoning", delta: event.data.deltaContent });
        return;
      case "assistant.tool_call_delta":
        return onToolCallDelta(event.data.toolCallId, event.data.toolName, event.data.inputDelta);
      case "assistant.usage":
        usage = addUsage(usage, event.data);
        if (event.data.finishReason === "length") cutShort = "length";
        else if (event.data.finishReason === "content_filter" || event.data.contentFilterTriggered) cutShort = "content_filter";
        return;
      // The usage of a model call can come before its last text deltas (seen
      // when model traffic goes through the SDK's request handler), so a call
      // the model cut short ends the turn only once the call is over — before
      // the runtime's own "Please continue" call starts.
      case "assistant.turn_end":
        if (cutShort) endEarly(cutShort);
        return;
      case "assistant.message": {
        const requests = event.data.toolRequests ?? [];
        if (requests.length === 0) return;
        const passedOn = options.parallelToolCalls ? requests : requests.slice(0, 1);
        for (const request of passedOn) {
          // A call with no arguments streams no deltas; clients still need "{}".
          if (!toolArgsSeen.has(request.toolCallId)) {
            onToolCallDelta(request.toolCallId, request.name, request.arguments === undefined ? "{}" : JSON.stringify(request.arguments));
          }
        }
        awaitedToolCalls = new Set(requests.map((request) => request.toolCallId));
        return;
      }
      case "external_tool.requested": {
        const call = { toolCallId: event.data.toolCallId, requestId: event.data.requestId };
        if (answerCalls.has(call.toolCallId)) pending.push(call);
        else declineHiddenCall(call);
        awaitedToolCalls?.delete(call.toolCallId);
        if (awaitedToolCalls?.size === 0) {
          // Answered in the order the model made the calls, so the tool messages upstream keep that order.
          pending.sort((a, b) => (toolIndexById.get(a.toolCallId) ?? 0) - (toolIndexById.get(b.toolCallId) ?? 0));
          finish("tool_calls", { kind: "tool_calls_pending", answer: answer(), pending });
        }
        return;
      }
      case "session.error":
        return fail(upstreamError({ statusCode: event.data.statusCode, message: event.data.message, errorType: event.data.errorType }));
      case "session.idle":
        if (event.data.aborted) return fail(upstreamError({ message: "the model call was aborted" }));
        return finish(toolIndexById.size > 0 ? "tool_calls" : "stop", { kind: "completed", answer: answer() });
      default:
        return;
    }
  };

  const onToolCallDelta = (toolCallId: string, toolName: string | undefined, argumentsDelta: string) => {
    let index = toolIndexById.get(toolCallId);
    if (index === undefined) {
      if (!options.parallelToolCalls && toolIndexById.size > 0) return;
      index = toolIndexById.size;
      toolIndexById.set(toolCallId, index);
      markOutput();
      answerCalls.set(toolCallId, { id: toolCallId, name: toolName ?? "", arguments: "" });
      queue.push({ type: "tool_call_start", index, id: toolCallId, name: toolName ?? "" });
    }
    if (argumentsDelta) {
      toolArgsSeen.add(toolCallId);
      answerCalls.get(toolCallId)!.arguments += argumentsDelta;
      outputChars += argumentsDelta.length;
      queue.push({ type: "tool_call_delta", index, argumentsDelta });
    }
  };

  // With parallel_tool_calls false the client only saw the first call; the
  // session still waits on the others, so they are declined here and the
  // model is told why.
  const declineHiddenCall = (call: PendingToolCall) => {
    void session.rpc.tools
      .handlePendingToolCall({
        requestId: call.requestId,
        result: { textResultForLlm: "Not run: the client accepts one tool call at a time. Call it again if it is still needed.", resultType: "failure" },
      })
      .catch(() => undefined);
  };

  const onClientAbort = () => {
    if (over) return;
    // An abort with a GatewayError reason (shutdown) is told to the client;
    // a plain abort means the client left and there is no one to tell.
    const reason: unknown = options.signal.reason;
    if (reason instanceof GatewayError) fail(reason);
    else end({ kind: "client_aborted" });
  };

  const unsubscribe = session.on(onEvent);
  options.signal.addEventListener("abort", onClientAbort, { once: true });
  let started: Promise<void>;
  if (options.signal.aborted) {
    onClientAbort();
    started = Promise.reject(new Error("the client went away before the turn started"));
  } else {
    startDeadline();
    const begun = options.begin().then(
      () => undefined,
      (error: unknown) => {
        fail(runtimeCallError(error, "start the turn"));
        throw error;
      },
    );
    // The runtime may never answer the send (a lone surrogate, a schema nested
    // ~125 deep): a turn that ends first — the deadline, the client leaving —
    // settles `started` too, or its owner would wait for ever.
    // A turn that ended naturally was taken, even if the send's reply is still on its way.
    const endedFirst = outcome.then((result) => {
      if (result.kind === "failed") throw result.error;
      if (result.kind === "client_aborted") throw new Error("the client went away before the session took the turn");
    });
    started = Promise.race([begun, endedFirst]);
    begun.catch(() => undefined);
  }
  // Owners that do not wait for `started` learn of the failure from the events.
  started.catch(() => undefined);

  return {
    started,
    outcome,
    [Symbol.asyncIterator]: () => queue,
  };
}

function addUsage(
  total: Usage | undefined,
  data: {
    inputTokens?: number;
    outputTokens?: number;
    cacheReadTokens?: number;
    cacheWriteTokens?: number;
    reasoningTokens?: number;
    cost?: number;
    copilotUsage?: { totalNanoAiu: number };
  },
): Usage {
  const cost = data.cost === undefined ? total?.cost : (total?.cost ?? 0) + data.cost;
  const nanoAiu = data.copilotUsage === undefined ? total?.nanoAiu : (total?.nanoAiu ?? 0) + data.copilotUsage.totalNanoAiu;
  return {
    ...(cost !== undefined ? { cost } : {}),
    ...(nanoAiu !== undefined ? { nanoAiu } : {}),
    promptTokens: (total?.promptTokens ?? 0) + (data.inputTokens ?? 0),
    completionTokens: (total?.completionTokens ?? 0) + (data.outputTokens ?? 0),
    cachedTokens: (total?.cachedTokens ?? 0) + (data.cacheReadTokens ?? 0),
    cacheWriteTokens: (total?.cacheWriteTokens ?? 0) + (data.cacheWriteTokens ?? 0),
    reasoningTokens: (total?.reasoningTokens ?? 0) + (data.reasoningTokens ?? 0),
  };
}

function estimateUsage(promptChars: number, outputChars: number): Usage {
  return {
    promptTokens: Math.ceil(promptChars / CHARS_PER_TOKEN),
    completionTokens: Math.ceil(outputChars / CHARS_PER_TOKEN),
    estimated: true,
  };
}
