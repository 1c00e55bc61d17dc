// The operations figures, measured on the real runtime and printed: 200
// concurrent streams, 1,000 abandoned streams (and how many of them cost the
// runtime a session), and a header sent a byte a second; and the runtime the
// abandoned streams left bigger, recycled back to its first size. Each asserts
// its bound.
import { readdir } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { abandonStreams } from "../support/abandon.js";
import { chatBody, readSseData, startGateway, type TestGateway } from "../support/gateway.js";
import { startGatewayProcess } from "../support/gateway-process.js";
import { residentMb, runtimeChildren } from "../support/runtime-children.js";
import { watchSessionOpenings } from "../support/session-openings.js";
import { lastUserText, ScriptedUpstream, sleep } from "../support/upstream.js";

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;
const runtimePid = () => runtimeChildren()[0]!;
const openFds = async () => (await readdir("/proc/self/fd")).length;

describe("on one gateway", () => {
  let gw: TestGateway;
  let baseUrl: string;
  /** Never, until the last test sets a limit. */
  const recycle = { maxResidentBytes: Number.POSITIVE_INFINITY, checkEveryMs: 500, minAgeMs: 0 };
  let freshRuntimeMb = 0;
  beforeAll(async () => {
    gw = await startGateway({}, { recycle });
    freshRuntimeMb = await residentMb(runtimePid());
    baseUrl = await gw.listen();
  });
  afterAll(() => gw.close());

  it("answers 200 concurrent streams, each with its own answer, without an error", async () => {
    gw.upstream.respond((request) => {
      const text = `echo: ${lastUserText(request)}`;
      return { steps: [{ text: text.slice(0, 6) }, { delayMs: 50 }, { text: text.slice(6) }] };
    });
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const sent = performance.now();
        const response = await fetch(`${baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(chatBody(`stream ${i}`, { stream: true })) });
        const data = await readSseData(response);
        const text = data.filter((frame) => frame !== "[DONE]").map((frame) => JSON.parse(frame).choices?.[0]?.delta?.content ?? "").join("");
        return { status: response.status, done: data.at(-1) === "[DONE]", text, ms: performance.now() - sent, i };
      }),
    );
    const times = results.map((result) => result.ms);
    console.info(`200 concurrent streams in ${Math.round(performance.now() - started)} ms; per stream p50 ${Math.round(percentile(times, 50))} ms, p99 ${Math.round(percentile(times, 99))} ms`);
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.done).toBe(true);
      expect(result.text).toBe(`echo: stream ${result.i}`);
    }
  });

  it("1,000 abandoned streams leave no session state, scratch directory or descriptor behind, and bounded runtime memory", async () => {
    gw.upstream.respond(() => ({ steps: [{ text: "a" }, { delayMs: 300 }, { text: "b" }, { delayMs: 300 }, { text: "c" }] }));
    const pid = runtimePid();
    const entries = async (dir: string) => (await readdir(join(gw.dataDir, dir)).catch(() => [])).length;
    // Sessions of earlier tests' conversations are kept for them to continue: "nothing behind" means back to this.
    const baseline = { state: await entries("session-state"), scratch: await entries("scratch"), ledger: gw.turns.ledger.size };
    const before = { rss: await residentMb(pid), fds: await openFds() };
    // A figure, not a bound: how many open a session depends on how fast this machine's runtime opens one against when each client leaves.
    const openings = watchSessionOpenings(gw);
    await abandonStreams(baseUrl, 1_000);
    let cleanAfterMs = Infinity;
    const settling = performance.now();
    while (performance.now() - settling < 10_000) {
      const now = { state: await entries("session-state"), scratch: await entries("scratch"), ledger: gw.turns.ledger.size };
      if (now.state <= baseline.state && now.scratch <= baseline.scratch && now.ledger <= baseline.ledger && gw.inflight.size === 0) {
        cleanAfterMs = performance.now() - settling;
        break;
      }
      await sleep(100);
    }
    await sleep(1_000);
    await Promise.all(openings.calls.map((call) => call.ended));
    openings.stop();
    const after = { rss: await residentMb(pid), fds: await openFds() };
    console.info(`1,000 abandoned streams: ${openings.opened} sessions opened; clean after ${Math.round(cleanAfterMs)} ms; runtime ${Math.round(before.rss)} → ${Math.round(after.rss)} MB; descriptors ${before.fds} → ${after.fds}`);
    expect(cleanAfterMs).toBeLessThan(5_000);
    expect(runtimePid()).toBe(pid);
    expect(after.rss - before.rss).toBeLessThan(250);
    expect(after.fds - before.fds).toBeLessThanOrEqual(5);
  });

  it("recycles the runtime the streams left bigger, back to a fresh one's size, and goes on serving", async () => {
    const pid = runtimePid();
    const grownMb = await residentMb(pid);
    recycle.maxResidentBytes = (freshRuntimeMb + 30) * 1024 * 1024;
    await gw.runtime.checkMemory();
    for (let waited = 0; (gw.runtime.processCount > 1 || runtimeChildren().includes(pid)) && waited < 20_000; waited += 200) await sleep(200);
    recycle.maxResidentBytes = Number.POSITIVE_INFINITY;
    const successor = runtimePid();
    const nowMb = await residentMb(successor);
    console.info(`runtime: ${Math.round(freshRuntimeMb)} MB fresh, ${Math.round(grownMb)} MB after the soak, ${Math.round(nowMb)} MB once recycled (${gw.runtime.recycles} recycled)`);
    expect(gw.runtime.recycles).toBe(grownMb > freshRuntimeMb + 30 ? 1 : 0);
    expect(runtimeChildren()).toHaveLength(1);
    expect(nowMb).toBeLessThan(freshRuntimeMb + 30);
    gw.upstream.respond(() => ({ steps: [{ text: "still serving" }] }));
    const response = await gw.post("/v1/chat/completions", chatBody("after the recycle"));
    expect(response.status).toBe(200);
  });
});

describe("a gateway process", () => {
  let upstream: ScriptedUpstream;
  beforeAll(async () => {
    upstream = await new ScriptedUpstream(["test-model"]).start();
  });
  afterAll(async () => {
    await upstream.stop();
  });

  it("cuts off a header sent a byte a second, answering in JSON", async () => {
    const gateway = await startGatewayProcess({ upstreamUrl: upstream.baseUrl });
    try {
      const { hostname, port } = new URL(gateway.baseUrl);
      const socket = connect(Number(port), hostname);
      let received = "";
      socket.on("data", (chunk) => (received += chunk.toString()));
      const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(performance.now())));
      const started = performance.now();
      socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n");
      const drip = setInterval(() => socket.write("X"), 1_000);
      const closedAt = await closed;
      clearInterval(drip);
      console.info(`a header sent a byte a second was cut off after ${Math.round((closedAt - started) / 1000)} s: ${received.split("\r\n")[0]}`);
      expect(received).toMatch(/^HTTP\/1\.1 408/);
      expect(received).toContain('"error"');
      // The gateway's headersTimeout is 20 s, checked every 5 s.
      expect(closedAt - started).toBeLessThan(30_000);
    } finally {
      await gateway.close();
    }
  }, 120_000);
});
