// A client that leaves before its answer has begun — while the model has not
// yet sent a token, or while its turn waits for a free slot — over a real
// socket: the model call is cancelled (or never made), and nothing of the
// request stays in flight.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { waitFor } from "../support/wait-for.js";

describe("a client that leaves before its answer begins", () => {
  let gw: TestGateway;
  let baseUrl: string;
  beforeAll(async () => {
    gw = await startGateway({ maxTurns: 1, turnQueue: 4, queueWaitMs: 30_000 });
    baseUrl = await gw.listen();
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.upstream.reset());

  // Buffered answers: no stream is ever handed out whose cancellation could tell the gateway instead.
  const ask = (content: string, signal: AbortSignal) =>
    fetch(`${baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: "user", content }] }),
      signal,
    }).catch(() => undefined);

  it("cancels the model call while it has sent no token yet", async () => {
    gw.upstream.respondInOrder({ steps: [{ delayMs: 10_000 }, { text: "too late" }] });
    const client = new AbortController();
    void ask("slow first token", client.signal);
    await waitFor(() => gw.upstream.calls.length === 1);
    const leftAt = Date.now();
    client.abort();
    await expect(gw.upstream.calls[0]!.aborted).resolves.toBe(true);
    expect(Date.now() - leftAt).toBeLessThan(1_500);
    await waitFor(() => gw.inflight.size === 0);
  });

  it("leaves the queue for a slot without reaching the model", async () => {
    gw.upstream.respondInOrder({ steps: [{ delayMs: 10_000 }, { text: "first" }] }, { steps: [{ text: "second" }] });
    const holder = new AbortController();
    void ask("holds the only slot", holder.signal);
    await waitFor(() => gw.upstream.calls.length === 1);
    const queued = new AbortController();
    void ask("waits for the slot", queued.signal);
    await waitFor(() => gw.inflight.size === 2);
    queued.abort();
    await waitFor(() => gw.inflight.size === 1);
    holder.abort();
    await waitFor(() => gw.inflight.size === 0);
    expect(gw.upstream.calls).toHaveLength(1);
  });
});
