// A stopping gateway and the connections opened before it stopped listening:
// a balancer or an SDK keeps them alive and sends its next request on one.
// That request is refused before any work (503 shutting_down, Retry-After,
// Connection: close), so the client or balancer sends it elsewhere, and the
// drain waits only for what was in flight. Taking it instead kept the drain
// going as long as requests came, then met a runtime already stopped
// (found by the rolling restart in tests/topology).
import { Agent, request, type IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, TEST_MODEL } from "../support/gateway.js";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { ScriptedUpstream } from "../support/upstream.js";

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The client's port: the same one twice means the same connection. */
  localPort: number;
}

/** One request on `agent`, which keeps its one connection alive between requests. */
function post(agent: Agent, gateway: GatewayProcess, body: unknown): Promise<Answer> {
  const url = new URL(`${gateway.baseUrl}/chat/completions`);
  return new Promise((resolve, reject) => {
    const sent = request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json" } }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body: text, localPort: sent.socket!.localPort! }));
    });
    sent.on("error", reject);
    sent.end(JSON.stringify(body));
  });
}

describe("a gateway stopping under kept-alive connections", { timeout: 60_000 }, () => {
  let upstream: ScriptedUpstream;
  let gateway: GatewayProcess;
  beforeAll(async () => {
    upstream = await new ScriptedUpstream([TEST_MODEL]).start();
    gateway = await startGatewayProcess({ upstreamUrl: upstream.baseUrl, env: { GATEWAY_SHUTDOWN_GRACE_SECONDS: "20" } });
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await upstream?.stop();
  });

  it("finishes the stream it had, refuses the next request on that connection with a 503 that closes it, and exits well before the grace period", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      upstream.respondInOrder({ steps: [{ text: "draining " }, { delayMs: 1_500 }, { text: "done" }] });
      const streaming = post(agent, gateway, chatBody("a stream in flight", { stream: true }));
      // The stream is under way (its first frames are out) when the signal comes.
      await new Promise((resolve) => setTimeout(resolve, 700));
      const signalled = Date.now();
      gateway.child.kill("SIGTERM");
      const stream = await streaming;
      expect(stream.status).toBe(200);
      expect(stream.body).toContain("data: [DONE]");

      const next = await post(agent, gateway, chatBody("sent after the signal"));
      expect(next.localPort, "the same kept-alive connection").toBe(stream.localPort);
      expect(next.status).toBe(503);
      expect(JSON.parse(next.body).error).toMatchObject({ code: "shutting_down", type: "server_error" });
      expect(next.headers["retry-after"]).toBe("1");
      expect(next.headers.connection).toBe("close");
      // Refused before any work: the model never saw it.
      expect(upstream.calls.map((call) => JSON.stringify(call.request.messages))).not.toContainEqual(expect.stringContaining("sent after the signal"));

      expect(await gateway.exited).toBe(0);
      // The grace period is 20 s; the gateway went once its stream was over (room left for a busy machine).
      expect(Date.now() - signalled).toBeLessThan(15_000);
    } finally {
      agent.destroy();
    }
  });
});
