// HTTP requests of `npm run bench` (the raw SDK's are in raw-sdk.ts), each
// timed from the moment the request is started: TTFT at the first non-empty
// content delta or the first tool-call chunk, total at the end of the answer
// ([DONE], or `session.idle` for the raw SDK).
import { createParser } from "eventsource-parser";
import type { Sample } from "./stats.js";

/** No single request of the bench may take longer than this. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** What a streamed answer said, beside its timing: what a client adds to the history it sends next. */
export interface ChatSample extends Sample {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
}

/** (a) Straight to the scripted upstream, as the runtime itself would call it. */
export async function directRequest(upstreamBaseUrl: string, model: string, prompt: string): Promise<ChatSample> {
  const started = performance.now();
  const response = await fetch(`${upstreamBaseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer upstream-secret-key" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: prompt }], stream: true, stream_options: { include_usage: true } }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return timeChatStream(response, started, "upstream");
}

/** A streamed Chat Completions request of any body through the gateway's real socket, as an OpenAI client would send it. */
export async function gatewayChat(gatewayBaseUrl: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<ChatSample> {
  const started = performance.now();
  const response = await fetch(`${gatewayBaseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ ...body, stream: true }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return timeChatStream(response, started, "gateway");
}

/** Reads a Chat Completions SSE body to `[DONE]`, noting when the first content or tool-call chunk arrived. */
async function timeChatStream(response: Response, started: number, what: string): Promise<ChatSample> {
  if (!response.ok || !response.body) throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
  let ttftMs: number | undefined;
  let doneMs: number | undefined;
  let failure: string | undefined;
  let text = "";
  const toolCalls: ChatSample["toolCalls"] = [];
  const parser = createParser({
    onEvent(event) {
      if (doneMs !== undefined) return;
      if (event.data === "[DONE]") {
        doneMs = performance.now() - started;
        return;
      }
      const chunk = JSON.parse(event.data) as {
        choices?: Array<{ delta?: { content?: unknown; tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }> } }>;
        error?: { message?: string };
      };
      if (chunk.error) failure = chunk.error.message ?? "error frame";
      const delta = chunk.choices?.[0]?.delta;
      const content = typeof delta?.content === "string" ? delta.content : "";
      text += content;
      for (const call of delta?.tool_calls ?? []) {
        const at = call.index ?? 0;
        toolCalls[at] ??= { id: "", name: "", arguments: "" };
        if (call.id) toolCalls[at].id = call.id;
        if (call.function?.name) toolCalls[at].name = call.function.name;
        toolCalls[at].arguments += call.function?.arguments ?? "";
      }
      if (ttftMs === undefined && (content !== "" || (delta?.tool_calls?.length ?? 0) > 0)) ttftMs = performance.now() - started;
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) parser.feed(decoder.decode(read.value, { stream: true }));
  if (failure !== undefined) throw new Error(`${what} stream failed: ${failure}`);
  if (ttftMs === undefined || doneMs === undefined) throw new Error(`${what} stream ended without content or [DONE]`);
  return { ttftMs, totalMs: doneMs, text, toolCalls };
}
