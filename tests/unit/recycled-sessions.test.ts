// Pure unit tests of the recycled-session pool's bookkeeping: fake rewind and
// close that record what they were asked, session stand-ins that are never
// called, explicit clocks. What a rewind does to a real session is
// tests/integration/session-rewind.test.ts; recycling through the gateway,
// tests/integration/recycled-sessions.test.ts.
import type { CopilotSession } from "@github/copilot-sdk";
import { beforeEach, describe, expect, it } from "vitest";
import { RecycledSessions, type RecycledSessionsOptions } from "../../src/sessions/recycled-sessions.js";

const session = (sessionId: string) => ({ sessionId }) as CopilotSession;

let rewound: string[];
let closed: string[];
let failRewind: Set<string>;
let retiring: Set<string>;

function pool(options: Partial<RecycledSessionsOptions> = {}): RecycledSessions {
  return new RecycledSessions({
    max: 4,
    idleMs: 60_000,
    demandWindowMs: 10_000,
    rewind: async (target, eventId) => {
      if (failRewind.has(target.sessionId)) throw new Error("no such event");
      rewound.push(`${target.sessionId}@${eventId}`);
    },
    close: async (target) => void closed.push(target.sessionId),
    isRetiring: (sessionId) => retiring.has(sessionId),
    ...options,
  });
}

beforeEach(() => {
  rewound = [];
  closed = [];
  failRewind = new Set();
  retiring = new Set();
});

describe("recycled sessions", () => {
  it("keeps as many for a partition as it ran new conversations at once lately, and none for one nobody starts", () => {
    const recycled = pool();
    expect(recycled.wants("a", 1_000)).toBe(false);
    const first = recycled.arrive("a", 1_000);
    const second = recycled.arrive("a", 1_100);
    first();
    second();
    // One after another does not add up: the most at once was two.
    recycled.arrive("a", 1_200)();
    expect(recycled.wants("a", 2_000)).toBe(true);
    recycled.offer("a", session("s1"), "e1");
    expect(recycled.wants("a", 2_000)).toBe(true);
    recycled.offer("a", session("s2"), "e2");
    expect(recycled.wants("a", 2_000)).toBe(false);
    expect(recycled.wants("b", 2_000)).toBe(false);
    // Demand older than the window no longer counts.
    expect(recycled.wants("a", 60_000)).toBe(false);
  });

  it("is bounded over all partitions, and off at 0", () => {
    const recycled = pool({ max: 2 });
    for (const partition of ["a", "b", "c"]) recycled.arrive(partition, 1_000);
    recycled.offer("a", session("s1"), "e1");
    recycled.offer("b", session("s2"), "e2");
    expect(recycled.wants("c", 1_000)).toBe(false);
    const off = pool({ max: 0 });
    off.arrive("a", 1_000);
    expect(off.wants("a", 1_000)).toBe(false);
  });

  it("hands a partition only its own sessions, rewound to their start, in the order they were recycled", async () => {
    const recycled = pool();
    recycled.offer("a", session("s1"), "e1");
    recycled.offer("a", session("s2"), "e2");
    expect(await recycled.take("b")).toBeUndefined();
    expect((await recycled.take("a"))?.sessionId).toBe("s1");
    expect((await recycled.take("a"))?.sessionId).toBe("s2");
    expect(await recycled.take("a")).toBeUndefined();
    expect(rewound).toEqual(["s1@e1", "s2@e2"]);
    expect(recycled.size).toBe(0);
  });

  it("closes a session whose rewind failed or whose runtime is being replaced, and hands out the next", async () => {
    const recycled = pool();
    failRewind.add("bad");
    retiring.add("old");
    recycled.offer("a", session("old"), "e1");
    recycled.offer("a", session("bad"), "e2");
    recycled.offer("a", session("good"), "e0");
    expect((await recycled.take("a"))?.sessionId).toBe("good");
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed.sort()).toEqual(["bad", "old"]);
  });

  it("closes those unused for the idle time, those of a lost runtime, and all at shutdown", async () => {
    const recycled = pool();
    recycled.offer("a", session("s1"), "e1");
    await new Promise((resolve) => setImmediate(resolve));
    recycled.sweep(Date.now() + 120_000);
    recycled.offer("a", session("s2"), "e2");
    recycled.offer("b", session("s3"), "e3");
    recycled.offer("b", session("s4"), "e4");
    recycled.release(new Set(["s3"]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toEqual(["s1", "s3"]);
    expect(recycled.size).toBe(2);
    await recycled.closeAll();
    expect(closed.sort()).toEqual(["s1", "s2", "s3", "s4"]);
    expect(recycled.size).toBe(0);
  });
});
