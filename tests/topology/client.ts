// A client of the topology: Chat Completions through the balancer, the way an
// agent talks — the whole history on every request, and a conversation header
// (Claude Code's, by default) that stays the same for the conversation. Each
// request carries its own X-Request-Id, which the gateway logs, so a test can
// tell which replica answered it and how.
import { randomUUID } from "node:crypto";
import { createParser } from "eventsource-parser";
import type { Replica } from "./replica.js";
import { ADMIN_KEY, MODEL } from "./topology.js";

export interface TurnResult {
  requestId: string;
  /** The HTTP status; 0 when no answer came (the connection failed). */
  status: number;
  origin: string | null;
  /** The answer's text, as far as it came. */
  text: string;
  /** A stream that ended with its finish and `[DONE]`, or a whole JSON answer. */
  complete: boolean;
  /** The error code of a refusal, or why the connection or stream failed. */
  error?: string;
  /** From sending the request to the answer's last byte. */
  ms: number;
}

export interface ConversationOptions {
  /** The conversation header it sends (Claude Code's by default); none: the balancer keeps it by address. */
  header?: string | undefined;
  /** The header's value, the same on every request of the conversation (a new UUID by default). */
  id?: string;
  /** A system message sent first on every request, as agents send their long instructions. */
  system?: string;
}

export class Conversation {
  readonly messages: Array<{ role: string; content: string }> = [];
  readonly id: string;
  private readonly header: string | undefined;
  private turns = 0;

  constructor(
    private readonly origin: string,
    private readonly key: string,
    options: ConversationOptions = {},
  ) {
    this.id = options.id ?? randomUUID();
    this.header = "header" in options ? options.header : "x-claude-code-session-id";
    if (options.system) this.messages.push({ role: "system", content: options.system });
  }

  /**
   * Sends the history plus `text`; on a complete answer the answer joins the
   * history, otherwise the user message is taken back, so the same turn can be
   * sent again as a client would after a failure.
   */
  async say(text: string, options: { stream?: boolean; signal?: AbortSignal; onText?: (text: string) => void } = {}): Promise<TurnResult> {
    const requestId = `${this.id}-${++this.turns}-${randomUUID().slice(0, 8)}`;
    this.messages.push({ role: "user", content: text });
    const result = await chat(this.origin, this.key, { model: MODEL, messages: this.messages, stream: options.stream ?? false }, {
      requestId,
      ...(this.header ? { headers: { [this.header]: this.id } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onText ? { onText: options.onText } : {}),
    });
    if (result.complete) this.messages.push({ role: "assistant", content: result.text });
    else this.messages.pop();
    return result;
  }
}

interface ChatBody {
  model: string;
  messages: unknown[];
  stream: boolean;
}

interface ChatOptions {
  requestId?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Called with a stream's text so far, as each part of it arrives. */
  onText?: (text: string) => void;
}

/** One Chat Completions request, read to its end. */
export async function chat(origin: string, key: string, body: ChatBody, options: ChatOptions = {}): Promise<TurnResult> {
  const started = performance.now();
  const result = await chatUntimed(origin, key, body, { ...options, requestId: options.requestId ?? randomUUID() });
  return { ...result, ms: Math.round(performance.now() - started) };
}

async function chatUntimed(origin: string, key: string, body: ChatBody, options: ChatOptions & { requestId: string }): Promise<Omit<TurnResult, "ms">> {
  const { requestId } = options;
  let response: Response;
  try {
    response = await fetch(`${origin}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "x-request-id": requestId, ...options.headers },
      body: JSON.stringify(body),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    return { requestId, status: 0, origin: null, text: "", complete: false, error: String(error) };
  }
  const origin_ = response.headers.get("x-copilot-session-origin");
  if (response.status !== 200) {
    const refusal = (await response.json().catch(() => ({}))) as { error?: { code?: string; type?: string } };
    return { requestId, status: response.status, origin: origin_, text: "", complete: false, error: refusal.error?.code ?? refusal.error?.type ?? "unreadable" };
  }
  if (!body.stream) {
    const answer = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    return { requestId, status: 200, origin: origin_, text: answer.choices[0]!.message.content, complete: true };
  }
  let text = "";
  let finished = false;
  let done = false;
  let streamError: string | undefined;
  const parser = createParser({
    onEvent(event) {
      if (event.data === "[DONE]") return void (done = true);
      const chunk = JSON.parse(event.data) as { choices?: Array<{ delta: { content?: string }; finish_reason: string | null }>; error?: { code?: string } };
      if (chunk.error) streamError = chunk.error.code ?? "error frame";
      for (const choice of chunk.choices ?? []) {
        text += choice.delta.content ?? "";
        if (choice.finish_reason) finished = true;
      }
    },
  });
  try {
    const decoder = new TextDecoder();
    for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(bytes, { stream: true }));
      if (text) options.onText?.(text);
    }
  } catch (error) {
    streamError ??= `stream broken: ${String(error)}`;
  }
  const complete = finished && done && streamError === undefined;
  return { requestId, status: 200, origin: origin_, text, complete, ...(complete ? {} : { error: streamError ?? "stream ended without [DONE]" }) };
}

/** The admin API, through whichever origin is given (the balancer, or one replica). */
export async function admin(origin: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${origin}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

export async function createKey(origin: string, settings: Record<string, unknown> = {}): Promise<{ id: string; key: string }> {
  const created = await admin(origin, "POST", "/keys", { name: `topology ${randomUUID().slice(0, 8)}`, ...settings });
  if (created.status !== 201) throw new Error(`POST /admin/keys: ${created.status} ${JSON.stringify(created.json)}`);
  return created.json as { id: string; key: string };
}

/**
 * Which replica answered a request with `status` (200 by default), by the
 * request id both log. A turn's line is written as its answer ends, a moment
 * after the client has it all, so this waits a little for it.
 */
export async function answeredBy(replicas: readonly Replica[], requestId: string, status = 200): Promise<Replica> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answering = replicas.filter((replica) => replica.logged(requestId).some((line) => line.status === status));
    if (answering.length === 1) return answering[0]!;
    if (answering.length > 1) throw new Error(`${requestId} was answered ${status} by ${answering.map((replica) => replica.name).join(" and ")}`);
    if (Date.now() > deadline) throw new Error(`no replica logged a ${status} for ${requestId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A conversation header value that the balancer sends to `replica`: tries
 * fresh ones on GET /v1/models (which costs no turn) until that replica
 * answers one. Each try is an even chance or so: 40 failing is a balancer
 * that does not hash on the header.
 */
export async function conversationIdFor(balancerOrigin: string, replicas: readonly Replica[], replica: Replica, key: string, header = "x-claude-code-session-id"): Promise<string> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const id = randomUUID();
    const requestId = `probe-${id}`;
    const response = await fetch(`${balancerOrigin}/v1/models`, { headers: { authorization: `Bearer ${key}`, [header]: id, "x-request-id": requestId } });
    await response.body?.cancel();
    if ((await answeredBy(replicas, requestId)) === replica) return id;
  }
  throw new Error(`no ${header} value of 40 went to ${replica.name}`);
}

/** One buffered Responses turn; `previousResponseId` continues a kept one (kept in PostgreSQL, so on any replica). */
export async function respond(
  origin: string,
  key: string,
  input: string,
  options: { previousResponseId?: string; headers?: Record<string, string> } = {},
): Promise<{ requestId: string; status: number; id: string | undefined; origin: string | null }> {
  const requestId = randomUUID();
  const response = await fetch(`${origin}/v1/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "x-request-id": requestId, ...options.headers },
    body: JSON.stringify({ model: MODEL, input, ...(options.previousResponseId ? { previous_response_id: options.previousResponseId } : {}) }),
  });
  const body = (await response.json()) as { id?: string };
  return { requestId, status: response.status, id: body.id, origin: response.headers.get("x-copilot-session-origin") };
}
