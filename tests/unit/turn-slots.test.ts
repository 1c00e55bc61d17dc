// The gateway's admission rules in isolation: the global cap and its bounded
// queue, the per-caller cap, and the fairness that keeps one caller's flood
// from holding another back.
import { describe, expect, it } from "vitest";
import { TurnSlots } from "../../src/access/turn-slots.js";
import { GatewayError } from "../../src/core/gateway-error.js";

const never = new AbortController().signal;

async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

/** Resolves true once the promise settles, false if it has not by the next turns of the event loop. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 5));
  return done;
}

describe("TurnSlots", () => {
  it("admits up to the cap at once, queues the next, and admits it when a slot frees", async () => {
    const slots = new TurnSlots({ maxTurns: 2, maxQueue: 1, maxWaitMs: 10_000 });
    const first = await slots.acquire("a", null, never);
    await slots.acquire("b", null, never);
    const third = slots.acquire("c", null, never);
    expect(await settled(third)).toBe(false);
    expect(slots.waiting).toBe(1);
    first();
    expect(await settled(third)).toBe(true);
    expect(slots.inFlight).toBe(2);
  });

  it("is a 503 with Retry-After when the queue is full, and when the wait is too long", async () => {
    const slots = new TurnSlots({ maxTurns: 1, maxQueue: 1, maxWaitMs: 30 });
    await slots.acquire("a", null, never);
    const queued = slots.acquire("b", null, never);
    const full = await refusal(slots.acquire("b", null, never));
    expect(full.status).toBe(503);
    expect(full.code).toBe("gateway_busy");
    expect(full.headers()["retry-after"]).toBeDefined();
    const waitedTooLong = await refusal(queued);
    expect(waitedTooLong.status).toBe(503);
    expect(slots.waiting).toBe(0);
  });

  it("refuses a caller past its own parallel cap with a 429, counting its queued turns", async () => {
    const slots = new TurnSlots({ maxTurns: 1, maxQueue: 10, maxWaitMs: 10_000 });
    await slots.acquire("a", 2, never);
    void slots.acquire("a", 2, never).catch(() => undefined);
    const error = await refusal(slots.acquire("a", 2, never));
    expect(error.status).toBe(429);
    expect(error.code).toBe("too_many_parallel_requests");
    expect(error.headers()["retry-after"]).toBe("1");
  });

  it("gives a freed slot to the waiting caller with the fewest turns in flight", async () => {
    const slots = new TurnSlots({ maxTurns: 2, maxQueue: 10, maxWaitMs: 10_000 });
    const releases = [await slots.acquire("flood", null, never), await slots.acquire("flood", null, never)];
    const floodWaiting = [slots.acquire("flood", null, never), slots.acquire("flood", null, never)];
    const other = slots.acquire("other", null, never);
    releases[0]!();
    expect(await settled(other)).toBe(true);
    expect(await settled(floodWaiting[0]!)).toBe(false);
  });

  it("makes room in a full queue for a newcomer by turning away the flooding caller's newest waiter", async () => {
    const slots = new TurnSlots({ maxTurns: 1, maxQueue: 2, maxWaitMs: 10_000 });
    const running = await slots.acquire("flood", null, never);
    const oldest = slots.acquire("flood", null, never);
    const newest = slots.acquire("flood", null, never);
    const other = slots.acquire("other", null, never);
    expect((await refusal(newest)).status).toBe(503);
    running();
    expect(await settled(other)).toBe(true);
    expect(await settled(oldest)).toBe(false);
  });

  it("does not evict for a caller that already holds as much as the others", async () => {
    const slots = new TurnSlots({ maxTurns: 1, maxQueue: 1, maxWaitMs: 10_000 });
    await slots.acquire("a", null, never);
    void slots.acquire("b", null, never).catch(() => undefined);
    expect((await refusal(slots.acquire("a", null, never))).status).toBe(503);
  });

  it("lets a waiting caller leave: its place and its count are given back", async () => {
    const slots = new TurnSlots({ maxTurns: 1, maxQueue: 1, maxWaitMs: 10_000 });
    await slots.acquire("a", null, never);
    const leaving = new AbortController();
    const waiting = slots.acquire("b", 1, leaving.signal);
    leaving.abort(new Error("client left"));
    await expect(waiting).rejects.toThrow("client left");
    expect(slots.waiting).toBe(0);
    // b's cap of 1 is free again: it may queue once more.
    void slots.acquire("b", 1, never).catch(() => undefined);
    expect(slots.waiting).toBe(1);
  });

  it("releases once however often release is called", async () => {
    const slots = new TurnSlots({ maxTurns: 1, maxQueue: 0, maxWaitMs: 10_000 });
    const release = await slots.acquire("a", null, never);
    release();
    release();
    expect(slots.inFlight).toBe(0);
    await slots.acquire("a", null, never);
    expect(slots.inFlight).toBe(1);
  });
});
