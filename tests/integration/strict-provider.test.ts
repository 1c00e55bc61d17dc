// A provider as strict as OpenAI about message fields: the runtime tags the
// history it reloads from disk with private `__copilot*` fields, which the
// gateway's provider relay strips before the request leaves.
import OpenAI from "openai";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ProviderRelay } from "../../src/runtime/provider-relay.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { LOOKUP_TOOL, toolLoopResponder } from "../support/agent.js";

describe("a resumed session against a strict provider", () => {
  let gw: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    // Idle sessions are suspended at once, so the conversation's next turn resumes it.
    gw = await startGateway({ liveSessions: 0 });
    client = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
  });
  beforeEach(() => gw.upstream.reset());
  afterEach(() => vi.restoreAllMocks());

  it("sends the reloaded tool history without the runtime's __copilot fields", async () => {
    const suspend = vi.spyOn(gw.runtime, "suspendSession");
    const resume = vi.spyOn(gw.runtime, "resumeSession");
    gw.upstream.respond(toolLoopResponder(2));

    // A tool loop, driven the way an OpenAI client does it.
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "loop first" }];
    const sessionIds = new Set<string>();
    for (;;) {
      const { data, response } = await client.chat.completions.create({ model: TEST_MODEL, messages, tools: [LOOKUP_TOOL] }).withResponse();
      sessionIds.add(response.headers.get("x-copilot-session-id") ?? "");
      const message = data.choices[0]!.message;
      messages.push(message);
      if (!message.tool_calls?.length) break;
      for (const call of message.tool_calls) {
        if (call.type === "function") messages.push({ role: "tool", tool_call_id: call.id, content: `result of ${call.function.arguments}` });
      }
    }
    expect(messages.at(-1)).toMatchObject({ role: "assistant", content: "done after 2 tools for loop first" });

    // The loop is over: the conversation rests and its session is suspended.
    await vi.waitFor(() => expect(suspend).toHaveBeenCalledTimes(1));
    await suspend.mock.results[0]!.value;

    // The next user message resumes it; the runtime reloads the history from disk.
    messages.push({ role: "user", content: "and now?" });
    const { data, response } = await client.chat.completions.create({ model: TEST_MODEL, messages, tools: [LOOKUP_TOOL] }).withResponse();
    sessionIds.add(response.headers.get("x-copilot-session-id") ?? "");
    expect(resume).toHaveBeenCalledTimes(1);
    expect(sessionIds.size).toBe(1);
    expect(data.choices[0]!.message.content).toBe("done after 2 tools for and now?");

    const last = gw.upstream.calls.at(-1)!;
    expect(last.rejected).toBeUndefined();
    expect(last.request.messages.filter((m) => m.role === "tool").map((m) => m.tool_call_id)).toEqual(["call_1", "call_2"]);
    expect(JSON.stringify(last.request)).not.toContain("__copilot");
    expect(gw.upstream.calls.filter((call) => call.rejected)).toEqual([]);
  });
});

describe("the provider relay", () => {
  let provider: Server;
  let received: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: Buffer }>;
  let relay: ProviderRelay;
  const upgraded = new Set<Socket>();
  beforeAll(async () => {
    provider = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(201, { "content-type": "text/event-stream", "x-provider": "yes" });
        res.write("data: one\n\n");
        setTimeout(() => res.end("data: two\n\n"), 50);
      });
    });
    provider.on("upgrade", (_req, socket: Socket) => {
      upgraded.add(socket);
      socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
      socket.on("data", (data: Buffer) => socket.write(Buffer.concat([Buffer.from("echo:"), data])));
    });
    await new Promise<void>((resolve) => provider.listen(0, "127.0.0.1", resolve));
    relay = await ProviderRelay.start(`http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1/`);
  });
  afterAll(async () => {
    await relay.close();
    for (const socket of upgraded) socket.destroy();
    (provider as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((resolve) => provider.close(() => resolve()));
  });
  beforeEach(() => {
    received = [];
  });

  const post = (body: BodyInit) =>
    fetch(`${relay.baseUrl}/chat/completions?x=1`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer k", "x-extra": "1" }, body });

  it("keeps the provider's path, and forwards a body without the marker byte for byte, with its headers", async () => {
    expect(relay.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const bytes = new TextEncoder().encode('{ "messages" : [ {"role":"user","content":"h\\u00e9llo ✓"} ], "x":1.50 }');
    const response = await post(bytes);
    expect(response.status).toBe(201);
    expect(response.headers.get("x-provider")).toBe("yes");
    expect(await response.text()).toBe("data: one\n\ndata: two\n\n");
    expect(received[0]).toMatchObject({ method: "POST", url: "/v1/chat/completions?x=1" });
    expect(received[0]!.headers).toMatchObject({ authorization: "Bearer k", "x-extra": "1" });
    expect(new Uint8Array(received[0]!.body)).toEqual(bytes);
  });

  it("removes every __copilot key anywhere in the body and keeps the rest", async () => {
    const body = {
      model: "m",
      __copilotTop: 1,
      messages: [
        { role: "user", content: "q" },
        { role: "tool", tool_call_id: "c", content: "r", __copilotMessageSource: { kind: "tool", name: "get" } },
        { role: "assistant", content: [{ type: "text", text: "__copilot stays in values", __copilotPart: true }] },
      ],
    };
    await (await post(JSON.stringify(body))).text();
    expect(JSON.parse(received[0]!.body.toString())).toEqual({
      model: "m",
      messages: [
        { role: "user", content: "q" },
        { role: "tool", tool_call_id: "c", content: "r" },
        { role: "assistant", content: [{ type: "text", text: "__copilot stays in values" }] },
      ],
    });
    expect(received[0]!.headers["content-length"]).toBe(String(received[0]!.body.length));
  });

  it("passes a body that is not JSON through", async () => {
    await (await post('not json "__copilotX')).text();
    expect(received[0]!.body.toString()).toBe('not json "__copilotX');
  });

  it("tunnels a WebSocket upgrade both ways", async () => {
    const url = new URL(relay.baseUrl);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: "/v1/responses", headers: { connection: "Upgrade", upgrade: "websocket" } });
      req.on("upgrade", (_res, upgraded: Socket) => resolve(upgraded));
      req.on("error", reject);
      req.end();
    });
    const reply = new Promise<string>((resolve) => socket.once("data", (data: Buffer) => resolve(data.toString())));
    socket.write("ping");
    expect(await reply).toBe("echo:ping");
    socket.destroy();
  });
});
