// HTTP requests of `npm run bench` (the raw SDK's are in raw-sdk.ts), each
// timed from the moment the request is started: TTFT at the first non-empty
// content delta or the first tool-call chunk, total at the end of the answer
// ([DONE], or `session.idle` for the raw SDK).
//
// The load generator is node:http on a keep-alive agent, as lean a client as
// Node has, so that the rows measure the server and not the client: against
// a trivial SSE server on this machine it takes 0.4 ms to the first chunk,
// where undici's fetch takes 1.4 ms (measured with .exp runs).
import { Agent, request } from "node:http";
import { createParser } from "eventsource-parser";
import type { Sample } from "./stats.js";

/** No single request of the bench may take longer than this (the bench's gateways get it as their turn deadline: rows.ts). */
export const REQUEST_TIMEOUT_MS = 120_000;

/**
 * One connection pool for every row; each row's server has its own port, so
 * its own connections. Node's agent heeds a server's `Keep-Alive: timeout`
 * (and so drops an idle connection before the server does) only when it has
 * a timeout of its own.
 */
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, timeout: REQUEST_TIMEOUT_MS });

/** What a streamed answer said, beside its timing: what a client adds to the history it sends next. */
export interface ChatSample extends Sample {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  /** The gateway's `x-copilot-session-origin`: where the answer's session came from. */
  origin?: string;
}

/** (a) Straight to the scripted upstream, as the runtime itself would call it. */
export async function directRequest(upstreamBaseUrl: string, model: string, prompt: string): Promise<ChatSample> {
  const started = performance.now();
  const body = JSON.stringify({ model, messages: [{ role: "user", content: prompt }], stream: true, stream_options: { include_usage: true } });
  return timeChatStream(`${upstreamBaseUrl}/chat/completions`, body, { authorization: "Bearer upstream-secret-key" }, started, "upstream");
}

/** A streamed Chat Completions request of any body through the gateway's real socket, as an OpenAI client would send it. */
export async function gatewayChat(gatewayBaseUrl: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<ChatSample> {
  const started = performance.now();
  return timeChatStream(`${gatewayBaseUrl}/chat/completions`, JSON.stringify({ ...body, stream: true }), headers, started, "gateway");
}

/** POSTs `body` and reads the Chat Completions SSE answer to `[DONE]`, noting when the first content or tool-call chunk arrived. */
function timeChatStream(url: string, body: string, headers: Record<string, string>, started: number, what: string): Promise<ChatSample> {
  return new Promise((resolve, reject) => {
    // A deadline of the request's own: a socket timeout is one of inactivity, and a
    // socket the agent hands out again still carries the short one it had
    // while idle in the pool (the server's keep-alive), which ended requests
    // waiting a few seconds for their first byte as "no answer within 30000 ms".
    const deadline = setTimeout(() => sent.destroy(new Error(`${what}: no answer within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
    const sent = request(url, { method: "POST", agent, headers: { "content-type": "application/json", ...headers } }, (response) => {
      response.setEncoding("utf8");
      if (response.statusCode !== 200) {
        let text = "";
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => reject(new Error(`${what} answered ${response.statusCode}: ${text}`)));
        return;
      }
      const origin = response.headers["x-copilot-session-origin"];
      const reading = readChatStream(what, started, typeof origin === "string" ? origin : undefined);
      response.on("data", (chunk: string) => reading.feed(chunk));
      response.on("end", () => {
        try {
          resolve(reading.result());
        } catch (error) {
          reject(error);
        }
      });
      response.on("error", reject);
    });
    sent.on("socket", (socket) => socket.setTimeout(0));
    sent.on("close", () => clearTimeout(deadline));
    sent.on("error", reject);
    sent.end(body);
  });
}

/** Parses a Chat Completions SSE body as it is fed. */
function readChatStream(what: string, started: number, origin: string | undefined): { feed(chunk: string): void; result(): ChatSample } {
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
  return {
    feed: (chunk) => parser.feed(chunk),
    result() {
      if (failure !== undefined) throw new Error(`${what} stream failed: ${failure}`);
      if (ttftMs === undefined || doneMs === undefined) throw new Error(`${what} stream ended without content or [DONE]`);
      return { ttftMs, totalMs: doneMs, text, toolCalls, ...(origin ? { origin } : {}) };
    },
  };
}
