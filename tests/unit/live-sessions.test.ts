// Pure unit tests of which idle sessions stay live: a fake runtime port that
// records what it suspended and closed (suspensions finish when the test
// says), and session stand-ins that are never called. No runtime.
import type { CopilotSession } from "@github/copilot-sdk";
import { beforeEach, describe, expect, it } from "vitest";
import { heldSession, LiveSessions, type HeldSession } from "../../src/sessions/live-sessions.js";

const spec = { model: "gpt-test", systemMessage: "", tools: [] };
const session = (sessionId: string) => ({ sessionId }) as CopilotSession;

let suspended: string[];
let closed: string[];
let finishSuspensions: () => void;
let suspensionsDone: Promise<void>;
let retiring: Set<string>;

function liveSessions(limit: number): LiveSessions {
  return new LiveSessions(
    {
      suspendSession: async (live) => {
        suspended.push(live.sessionId);
        await suspensionsDone;
      },
      closeSession: async (target) => {
        closed.push(typeof target === "string" ? `id:${target}` : `live:${target.sessionId}`);
      },
      isRetiring: (sessionId) => retiring.has(sessionId),
    },
    limit,
  );
}

const held = (...ids: string[]): HeldSession[] => ids.map((id) => heldSession(session(id), spec, "partition"));

beforeEach(() => {
  suspended = [];
  closed = [];
  retiring = new Set();
  suspensionsDone = new Promise((resolve) => (finishSuspensions = resolve));
});

describe("live sessions", () => {
  it("keeps the most recently used idle sessions live and suspends the least recently used beyond the limit", () => {
    const live = liveSessions(2);
    const [a, b, c, d] = held("a", "b", "c", "d");
    live.keepIdle(a!);
    live.keepIdle(b!);
    live.keepIdle(c!);
    expect(suspended).toEqual(["a"]);
    expect(a!.live).toBeUndefined();
    live.keepIdle(b!);
    live.keepIdle(d!);
    expect(suspended).toEqual(["a", "c"]);
    expect([b!.live?.sessionId, d!.live?.sessionId]).toEqual(["b", "d"]);
  });

  it("never suspends a session while a turn has claimed it", () => {
    const live = liveSessions(1);
    const [a, b] = held("a", "b");
    live.keepIdle(a!);
    live.claim(a!);
    live.keepIdle(b!);
    expect(suspended).toEqual([]);
    expect(a!.live?.sessionId).toBe("a");
  });

  it("resumes a suspended session only once its suspension is done, and takes a live one as it is", async () => {
    const live = liveSessions(0);
    const [a, b] = held("a", "b");
    live.keepIdle(a!);
    let resumedBeforeSuspended = false;
    let suspensionFinished = false;
    const woken = live.wake(a!, async () => {
      resumedBeforeSuspended = !suspensionFinished;
      return session("a");
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    suspensionFinished = true;
    finishSuspensions();
    expect((await woken).sessionId).toBe("a");
    expect(resumedBeforeSuspended).toBe(false);
    expect(a!.live?.sessionId).toBe("a");
    const asItIs = b!.live;
    expect(await live.wake(b!, () => Promise.reject(new Error("a live session is not resumed")))).toBe(asItIs);
  });

  it("closes a suspended session by id once its suspension is done, a live one as it is, and a forgotten one by id at once", async () => {
    const live = liveSessions(0);
    const [a, b, c] = held("a", "b", "c");
    live.keepIdle(a!);
    const closing = live.close(a!);
    await live.close(b!);
    live.forget(c!);
    expect(closed).toEqual(["live:b", "id:c"]);
    finishSuspensions();
    await closing;
    expect(closed).toEqual(["live:b", "id:c", "id:a"]);
  });

  it("lets a session take another turn only while its runtime is not being replaced", () => {
    const live = liveSessions(1);
    const [a, b] = held("a", "b");
    retiring.add("b");
    expect([live.staysOn(a!), live.staysOn(b!)]).toEqual([true, false]);
  });
});
