// What a live session costs its runtime in memory, against a suspended one:
// the measure config/session-memory.ts sizes the live-session default by.
// One runtime, no warm or recycled sessions, 60 one-turn conversations each
// time: all kept live (as many as fit: 30), none kept live, and 30 kept live
// while 30 more push them into suspension. Printed, and held to bounds.
import { describe, expect, it } from "vitest";
import type { AppConfig } from "../../src/http/app.js";
import { LIVE_SESSION_MB, RUNTIME_BASE_MB } from "../../src/config/session-memory.js";
import { chatBody, startGateway } from "../support/gateway.js";
import { residentMb, runtimeChildren } from "../support/runtime-children.js";

const CONVERSATIONS = 60;

/** The runtime's RSS after every 10 of the conversations, one after another. */
async function residentAlong(sessions: Partial<AppConfig>): Promise<number[]> {
  const gw = await startGateway(
    { warmSessions: 0, recycledSessions: 0, ...sessions },
    { recycle: { maxResidentBytes: Number.POSITIVE_INFINITY, checkEveryMs: 600_000, minAgeMs: 0 } },
  );
  try {
    const [pid] = runtimeChildren();
    const figures: number[] = [];
    for (let i = 1; i <= CONVERSATIONS; i++) {
      const response = await gw.post("/v1/chat/completions", chatBody(`conversation ${i}: hello`));
      expect(response.status).toBe(200);
      await response.text();
      if (i % 10 === 0) figures.push(Math.round(await residentMb(pid!)));
    }
    return figures;
  } finally {
    await gw.close();
  }
}

describe("a live session's memory", () => {
  it("is held while it is live and given back to be reused once it is suspended", { timeout: 600_000 }, async () => {
    const allLive = await residentAlong({ maxSessions: 30, liveSessions: 30 });
    const noneLive = await residentAlong({ maxSessions: 60, liveSessions: 0 });
    const pushedOut = await residentAlong({ maxSessions: 60, liveSessions: 30 });
    const line = (label: string, figures: number[]) => `${label}: ${figures.map((mb, i) => `${(i + 1) * 10}: ${mb} MB`).join(", ")}`;
    console.info(["runtime RSS along 60 one-turn conversations:", line("30 live", allLive), line("none live", noneLive), line("30 live, then pushed into suspension", pushedOut)].join("\n  "));
    // Measured on a quiet machine (2 cores): 30 live 737 → 1,828 MB at 30 (~60 MB apiece);
    // none live 226 → 241; 30 live then pushed out 1,878 at 30, 2,152 at 60.
    const perLiveSession = (allLive[2]! - noneLive[2]!) / 30;
    expect(perLiveSession).toBeGreaterThan(LIVE_SESSION_MB / 4);
    expect(perLiveSession).toBeLessThan(LIVE_SESSION_MB * 1.5);
    expect(noneLive.at(-1)!).toBeLessThan(RUNTIME_BASE_MB * 2);
    // Thirty more conversations, with thirty suspended to make room: far less than thirty more live sessions.
    expect(pushedOut.at(-1)! - pushedOut[2]!).toBeLessThan(perLiveSession * 30 * 0.5);
  });
});
