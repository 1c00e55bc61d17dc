// Streams one chat completion from POST /v1/chat/completions, the way any
// OpenAI client does: stream: true with include_usage, SSE read with
// eventsource-parser. Aborting the signal closes the connection; the gateway
// then aborts the turn at the model (its "abort reaches the model" rule).
import { createParser } from "eventsource-parser";
import { ApiError, errorFromResponse } from "./api-error.js";
import type { ChatRequest, ChatStreamEvent, Usage } from "./chat-types.js";
import { requestHeaders } from "./request-json.js";

interface ChunkDelta {
  content?: string | null;
  // Non-standard, sent by the gateway unless it runs with --strict-openai.
  reasoning_content?: string | null;
  tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }>;
}

interface Chunk {
  choices?: Array<{ delta?: ChunkDelta; finish_reason?: string | null }>;
  usage?: Usage | null;
  error?: { message?: string; code?: string | null };
}

/**
 * Calls `onEvent` for every event of the answer and resolves when the stream
 * ends with [DONE]. Rejects with ApiError for an HTTP error or an error frame,
 * and with the fetch's AbortError when `signal` aborts.
 */
export async function streamChatCompletion(request: ChatRequest, options: { key: string | undefined; signal: AbortSignal; onEvent: (event: ChatStreamEvent) => void }): Promise<void> {
  const response = await fetch("/v1/chat/completions", {
    method: "POST",
    headers: { ...requestHeaders(options.key, true), accept: "text/event-stream" },
    body: JSON.stringify({ ...request, stream: true, stream_options: { include_usage: true } }),
    signal: options.signal,
  });
  if (!response.ok || !response.body) throw await errorFromResponse(response);

  let done = false;
  let failure: ApiError | undefined;
  const parser = createParser({
    onEvent(event) {
      if (done || failure) return;
      if (event.data === "[DONE]") {
        done = true;
        return;
      }
      const chunk = JSON.parse(event.data) as Chunk;
      if (chunk.error) {
        failure = new ApiError(response.status, chunk.error.code ?? null, chunk.error.message ?? "The answer ended with an error.");
        return;
      }
      for (const event of eventsOf(chunk)) options.onEvent(event);
    },
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    parser.feed(value);
    if (failure) {
      await reader.cancel();
      throw failure;
    }
  }
  if (!done) throw new ApiError(response.status, "stream_truncated", "The answer stopped before it was complete.");
}

function* eventsOf(chunk: Chunk): Generator<ChatStreamEvent> {
  if (chunk.usage) yield { type: "usage", usage: chunk.usage };
  for (const choice of chunk.choices ?? []) {
    const delta = choice.delta ?? {};
    if (delta.reasoning_content) yield { type: "reasoning", delta: delta.reasoning_content };
    if (delta.content) yield { type: "text", delta: delta.content };
    for (const call of delta.tool_calls ?? []) {
      yield {
        type: "tool_call",
        index: call.index,
        ...(call.id ? { id: call.id } : {}),
        ...(call.function?.name ? { name: call.function.name } : {}),
        argumentsDelta: call.function?.arguments ?? "",
      };
    }
    if (choice.finish_reason) yield { type: "finish", reason: choice.finish_reason };
  }
}
