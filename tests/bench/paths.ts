// The three request paths `npm run bench` compares, each timed from the moment
// the request is started: TTFT at the first non-empty content delta, total at
// the end of the answer ([DONE], or `session.idle` for the raw SDK).
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { CopilotClient, type CopilotSession, type PermissionHandler } from "@github/copilot-sdk";
import { createParser } from "eventsource-parser";
import type { Sample } from "./stats.js";

/** No single request of the bench may take longer than this. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** (a) Straight to the scripted upstream, as the runtime itself would call it. */
export async function directRequest(upstreamBaseUrl: string, model: string, prompt: string): Promise<Sample> {
  const started = performance.now();
  const response = await fetch(`${upstreamBaseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer upstream-secret-key" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: prompt }], stream: true, stream_options: { include_usage: true } }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return timeChatStream(response, started, "upstream");
}

/** (c) Through the gateway's real socket, as an OpenAI client would call it. */
export function gatewayRequest(gatewayBaseUrl: string, model: string, prompt: string): Promise<Sample> {
  return gatewayChat(gatewayBaseUrl, { model, messages: [{ role: "user", content: prompt }] });
}

/** A streamed Chat Completions request of any body through the gateway, timed like the others. */
export async function gatewayChat(gatewayBaseUrl: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Sample> {
  const started = performance.now();
  const response = await fetch(`${gatewayBaseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ ...body, stream: true }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return timeChatStream(response, started, "gateway");
}

/** Reads a Chat Completions SSE body to `[DONE]`, noting when the first non-empty `delta.content` arrived. */
async function timeChatStream(response: Response, started: number, what: string): Promise<Sample> {
  if (!response.ok || !response.body) throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
  let ttftMs: number | undefined;
  let doneMs: number | undefined;
  let failure: string | undefined;
  const parser = createParser({
    onEvent(event) {
      if (doneMs !== undefined) return;
      if (event.data === "[DONE]") {
        doneMs = performance.now() - started;
        return;
      }
      if (ttftMs !== undefined) return;
      const chunk = JSON.parse(event.data) as { choices?: Array<{ delta?: { content?: unknown } }>; error?: { message?: string } };
      if (chunk.error) failure = chunk.error.message ?? "error frame";
      const content = chunk.choices?.[0]?.delta?.content;
      if (typeof content === "string" && content !== "") ttftMs = performance.now() - started;
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) parser.feed(decoder.decode(read.value, { stream: true }));
  if (failure !== undefined) throw new Error(`${what} stream failed: ${failure}`);
  if (ttftMs === undefined || doneMs === undefined) throw new Error(`${what} stream ended without content or [DONE]`);
  return { ttftMs, totalMs: doneMs };
}

/**
 * (b) The SDK with no gateway: its own runtime process, and per request what
 * CopilotRuntime.openSession/closeSession do (scratch dir, session options,
 * disconnect + deleteSession + rm), so the gap to (c) is the gateway's own cost.
 */
export class RawSdk {
  private readonly cleanups = new Set<Promise<void>>();

  private constructor(
    private readonly client: CopilotClient,
    private readonly baseDirectory: string,
    private readonly upstreamBaseUrl: string,
  ) {}

  static async start(baseDirectory: string, upstreamBaseUrl: string): Promise<RawSdk> {
    await mkdir(join(baseDirectory, "scratch"), { recursive: true });
    const client = new CopilotClient({ mode: "empty", baseDirectory, logLevel: "error" });
    await client.start();
    return new RawSdk(client, baseDirectory, upstreamBaseUrl);
  }

  async request(model: string, prompt: string): Promise<Sample> {
    const started = performance.now();
    const workingDirectory = await mkdtemp(join(this.baseDirectory, "scratch", "s-"));
    const onPermissionRequest: PermissionHandler = () => ({ kind: "reject", feedback: "Only tools declared by the API client may run." });
    let session: CopilotSession;
    try {
      session = await this.client.createSession({
        model,
        streaming: true,
        workingDirectory,
        systemMessage: { mode: "replace", content: "" },
        tools: [],
        availableTools: [],
        onPermissionRequest,
        provider: { type: "openai", baseUrl: this.upstreamBaseUrl, apiKey: "upstream-secret-key" },
        modelCapabilities: { supports: { vision: true } },
      });
    } catch (error) {
      await rm(workingDirectory, { recursive: true, force: true });
      throw error;
    }
    const openMs = performance.now() - started;
    let ttftMs: number | undefined;
    let unsubscribe: () => void = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<number>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error("raw SDK turn timed out")), REQUEST_TIMEOUT_MS);
      unsubscribe = session.on((event) => {
        if (event.type === "assistant.message_delta") {
          if (ttftMs === undefined && event.data.deltaContent !== "") ttftMs = performance.now() - started;
        } else if (event.type === "session.idle") resolve(performance.now() - started);
        else if (event.type === "session.error") reject(new Error(`raw SDK session error: ${event.data.message}`));
      });
    });
    try {
      // Like the gateway's runTurn: events are consumed while send() is still answering.
      const [totalMs] = await Promise.all([idle, session.send({ prompt, attachments: [] })]);
      if (ttftMs === undefined) throw new Error("raw SDK turn went idle without a content delta");
      return { ttftMs, totalMs, openMs };
    } finally {
      clearTimeout(timer);
      unsubscribe();
      // Like the gateway, the session is closed after the turn, off the request's clock.
      const cleanup = this.close(session, workingDirectory);
      this.cleanups.add(cleanup);
      void cleanup.finally(() => this.cleanups.delete(cleanup));
    }
  }

  /** Resolves when every session of the finished requests is closed. */
  async settle(): Promise<void> {
    while (this.cleanups.size > 0) await Promise.all([...this.cleanups]);
  }

  async stop(): Promise<void> {
    await this.settle();
    const errors = await this.client.stop().catch(() => []);
    if (errors.length > 0) await this.client.forceStop().catch(() => undefined);
  }

  private async close(session: CopilotSession, workingDirectory: string): Promise<void> {
    await session.disconnect().catch(() => undefined);
    await this.client.deleteSession(session.sessionId).catch(() => undefined);
    await rm(workingDirectory, { recursive: true, force: true });
  }
}
