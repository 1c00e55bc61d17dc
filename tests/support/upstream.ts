// A scripted OpenAI-compatible model server on 127.0.0.1: the one fake in the
// test suite, standing where GitHub's model API would be. The real Copilot
// runtime (BYOK mode) calls it; tests decide what it answers and read what it
// was sent. It is as strict as OpenAI about message fields: an unknown one
// is answered with OpenAI's HTTP 400.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface UpstreamMessage {
  role: string;
  content: unknown;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export interface UpstreamRequest {
  model: string;
  messages: UpstreamMessage[];
  stream?: boolean;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
  response_format?: unknown;
  max_tokens?: number;
  max_completion_tokens?: number;
  [key: string]: unknown;
}

/** One step of a scripted streamed answer. */
export type Step =
  | { text: string }
  | { reasoning: string }
  | { toolCall: { id: string; name: string; arguments: string; chunks?: number } }
  | { delayMs: number }
  /** Close the socket without finishing the stream: a body cut mid-stream. */
  | { cut: true };

export type Script =
  | {
      steps: Step[];
      finishReason?: "stop" | "length" | "tool_calls" | "content_filter";
      usage?: { prompt_tokens: number; completion_tokens: number; reasoning_tokens?: number; cached_tokens?: number };
    }
  /** Answer with an HTTP error instead of a stream. */
  | { status: number; body?: unknown; headers?: Record<string, string> };

export type Responder = (request: UpstreamRequest, callIndex: number) => Script;

export interface RecordedCall {
  request: UpstreamRequest;
  /** The 400 message when the request broke OpenAI's message schema (then no script ran). */
  rejected?: string;
  /** Resolves to true when the gateway closed the response before the script ended. */
  aborted: Promise<boolean>;
}

/**
 * The fields OpenAI's Chat Completions API allows on a message, per role; it
 * rejects any other with HTTP 400. Assistant messages may also carry
 * `reasoning_content`, which the runtime sends back after a provider streamed
 * it (providers that stream it accept it).
 */
const MESSAGE_FIELDS: Record<string, ReadonlySet<string>> = {
  system: new Set(["role", "content", "name"]),
  developer: new Set(["role", "content", "name"]),
  user: new Set(["role", "content", "name"]),
  assistant: new Set(["role", "content", "refusal", "name", "audio", "tool_calls", "function_call", "reasoning_content"]),
  tool: new Set(["role", "content", "tool_call_id"]),
  function: new Set(["role", "content", "name"]),
};

/** OpenAI's 400 message for the first message field its schema does not allow; undefined when all are allowed. */
export function unexpectedMessageField(request: UpstreamRequest, alsoAllowed: readonly string[] = []): string | undefined {
  for (const [index, message] of (request.messages ?? []).entries()) {
    const allowed = MESSAGE_FIELDS[message.role];
    const extra = allowed && Object.keys(message).find((key) => !allowed.has(key) && !alsoAllowed.includes(key));
    if (extra) return `Additional properties are not allowed ('${extra}' was unexpected) - 'messages.${index}'`;
  }
  return undefined;
}

const DATETIME_PREFIX = /^<current_datetime>[\s\S]*?<\/current_datetime>\s*/;

/** The text of the last user message the runtime sent, without the runtime's datetime preamble. */
export function lastUserText(request: UpstreamRequest): string {
  const user = [...request.messages].reverse().find((m) => m.role === "user");
  return contentText(user?.content).replace(DATETIME_PREFIX, "");
}

export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part: { type?: string; text?: string }) => (part.type === "text" ? (part.text ?? "") : ""))
      .join("");
  }
  return "";
}

/** The default answer: echoes the prompt back in three deltas, so concurrent tests can tell answers apart. */
export const echoResponder: Responder = (request) => {
  const text = `echo: ${lastUserText(request)}`;
  const third = Math.ceil(text.length / 3);
  return {
    steps: [{ text: text.slice(0, third) }, { text: text.slice(third, 2 * third) }, { text: text.slice(2 * third) }],
    usage: { prompt_tokens: 11, completion_tokens: 7 },
  };
};

export class ScriptedUpstream {
  readonly calls: RecordedCall[] = [];
  private responder: Responder = echoResponder;
  private server: Server;
  private sockets = new Set<import("node:net").Socket>();
  baseUrl = "";

  constructor(readonly models: string[] = ["test-model"]) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  /** `host`: another address of this machine, for gateways in other network namespaces (tests/topology). */
  async start(host = "127.0.0.1"): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://${host}:${port}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Sets how every following model call is answered. */
  respond(responder: Responder): void {
    this.responder = responder;
  }

  /** Answers the next calls with these scripts in order, then falls back to echo. */
  respondInOrder(...scripts: Script[]): void {
    const queue = [...scripts];
    this.respond((request, index) => queue.shift() ?? echoResponder(request, index));
  }

  reset(): void {
    this.calls.length = 0;
    this.responder = echoResponder;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://upstream");
    if (req.method === "GET" && url.pathname.endsWith("/models")) {
      return json(res, 200, {
        object: "list",
        data: this.models.map((id) => ({ id, object: "model", created: 0, owned_by: "scripted" })),
      });
    }
    if (req.method !== "POST" || !url.pathname.endsWith("/chat/completions")) {
      return json(res, 404, { error: { message: `no route ${req.method} ${url.pathname}`, type: "invalid_request_error" } });
    }
    const request = JSON.parse(await readBody(req)) as UpstreamRequest;
    let markAborted: (value: boolean) => void = () => {};
    const aborted = new Promise<boolean>((resolve) => (markAborted = resolve));
    const index = this.calls.length;
    const rejected = unexpectedMessageField(request);
    this.calls.push({ request, aborted, ...(rejected ? { rejected } : {}) });
    let finished = false;
    res.on("close", () => markAborted(!finished));
    if (rejected) {
      finished = true;
      return json(res, 400, { error: { message: rejected, type: "invalid_request_error", param: null, code: null } });
    }

    const script = this.responder(request, index);
    if ("status" in script) {
      finished = true;
      res.writeHead(script.status, { "content-type": "application/json", ...script.headers });
      res.end(JSON.stringify(script.body ?? { error: { message: `scripted ${script.status}`, type: "server_error" } }));
      return;
    }
    if (request.stream !== true) {
      finished = true;
      return json(res, 200, buffered(request, script));
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const id = `chatcmpl-up${index}`;
    const send = (delta: Record<string, unknown>, finishReason: string | null = null, extra: Record<string, unknown> = {}) =>
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1, model: request.model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`,
      );
    send({ role: "assistant", content: "" });
    let toolIndex = 0;
    let calledTool = false;
    for (const step of script.steps) {
      if (res.destroyed) return;
      if ("delayMs" in step) await sleep(step.delayMs);
      else if ("text" in step) send({ content: step.text });
      else if ("reasoning" in step) send({ reasoning_content: step.reasoning });
      else if ("cut" in step) {
        res.socket?.destroy();
        return;
      } else {
        calledTool = true;
        const { id: callId, name, arguments: args, chunks = 2 } = step.toolCall;
        send({ tool_calls: [{ index: toolIndex, id: callId, type: "function", function: { name, arguments: "" } }] });
        const size = Math.ceil(args.length / chunks) || 1;
        for (let at = 0; at < args.length; at += size) {
          send({ tool_calls: [{ index: toolIndex, function: { arguments: args.slice(at, at + size) } }] });
        }
        toolIndex++;
      }
    }
    if (res.destroyed) return;
    send({}, script.finishReason ?? (calledTool ? "tool_calls" : "stop"));
    const usage = script.usage ?? { prompt_tokens: 10, completion_tokens: 5 };
    res.write(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1, model: request.model, choices: [], usage: usageBody(usage) })}\n\n`,
    );
    res.end("data: [DONE]\n\n");
    finished = true;
  }
}

function usageBody(usage: { prompt_tokens: number; completion_tokens: number; reasoning_tokens?: number; cached_tokens?: number }) {
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
    prompt_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
  };
}

function buffered(request: UpstreamRequest, script: Extract<Script, { steps: Step[] }>) {
  const text = script.steps.map((s) => ("text" in s ? s.text : "")).join("");
  return {
    id: "chatcmpl-upstream",
    object: "chat.completion",
    created: 1,
    model: request.model,
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: script.finishReason ?? "stop" }],
    usage: usageBody(script.usage ?? { prompt_tokens: 10, completion_tokens: 5 }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
