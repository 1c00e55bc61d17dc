// When the recycler replaces a runtime, on series of looks at a fake one: its
// resident memory, the sessions it opened and the sessions it carries. Growth
// that more sessions explain (filling up to the caps, a burst) never counts;
// growth per session opened while it carries no more does, once a window of
// sessions shows it. The figures are the measured ones: ~24 MB per
// live session, ~170 MB kept per 1,000 one-turn conversations.
import { describe, expect, it } from "vitest";
import type { RecycleCause } from "../../src/runtime/runtime.js";
import { RuntimeRecycler, type RecyclableRuntime, type RecyclingPool } from "../../src/runtime/runtime-recycler.js";
import type { RecycleSettings } from "../../src/runtime/runtime-settings.js";

const MB = 1024 * 1024;

class FakeRuntime implements RecyclableRuntime {
  healthy = true;
  ageMs = 3_600_000;
  restarts = 0;
  sessionsOpened = 0;
  liveLoad = 0;
  openingNow = 0;
  held: string[] = [];
  resident: number | undefined = 27 * MB;
  residentBytes = () => this.resident;
  sessionIds = () => this.held;
}

/** A pool of one serving runtime; a replaced one is swapped for a fresh one. */
function poolOf(first: FakeRuntime) {
  const replaced: Array<{ at: number; residentMb: number; cause: RecycleCause }> = [];
  let serving = first;
  const pool: RecyclingPool<FakeRuntime> = {
    serving: () => [serving],
    retiring: () => [],
    replace: async () => {
      serving = new FakeRuntime();
    },
    announceRetiring: () => {},
    finish: async () => {},
    recycled: (residentBytes, cause) => replaced.push({ at: first.sessionsOpened, residentMb: Math.round(residentBytes / MB), cause }),
  };
  return { pool, replaced };
}

const growthSettings: RecycleSettings = { maxResidentBytes: Number.POSITIVE_INFINITY, maxGrowthBytesPer1000Sessions: 100 * MB, growthWindowSessions: 1_000, minAgeMs: 0 };

interface Look {
  live: number;
  residentMb: number;
}

/**
 * A runtime through `sessions` new conversations, one look every 50
 * sessions (as at a look every 30 s and a new conversation every ~0.6 s):
 * `look(opened)` says what it carries and holds then. Stops at the first replacement.
 */
async function drive(settings: RecycleSettings, sessions: number, look: (opened: number) => Look, runtime = new FakeRuntime()) {
  const { pool, replaced } = poolOf(runtime);
  const recycler = new RuntimeRecycler(settings, pool);
  for (let opened = 0; opened <= sessions && replaced.length === 0; opened += 50) {
    const { live, residentMb } = look(opened);
    Object.assign(runtime, { sessionsOpened: opened, liveLoad: live, resident: residentMb * MB });
    await recycler.check();
  }
  return replaced;
}

/** New conversations on the gateway's caps: 128 sessions live, ~24 MB each, and `leakMbPer1000` kept of every 1,000. */
const fillThenLeak = (leakMbPer1000: number) => (opened: number): Look => ({
  live: Math.min(opened, 128),
  residentMb: 27 + 24 * Math.min(opened, 128) + (leakMbPer1000 * opened) / 1000,
});

describe("RuntimeRecycler, by growth", () => {
  it("replaces a runtime that keeps 170 MB per 1,000 sessions past its caps, once a window of sessions after its warm-up shows it", async () => {
    const replaced = await drive(growthSettings, 5_000, fillThenLeak(170));
    expect(replaced).toHaveLength(1);
    const [{ at, cause }] = replaced as [(typeof replaced)[number]];
    // Its first 1,000 sessions are its warm-up (and its 128 live ones are all there by 150); the measure spans the next 1,000.
    expect(at).toBe(2_000);
    expect(cause.kind).toBe("growth");
    expect(cause.kind === "growth" && cause.bytesPer1000Sessions / MB).toBeCloseTo(170, 0);
  });

  it("leaves one that grows less than the limit, or only while it fills up to its caps", async () => {
    expect(await drive(growthSettings, 10_000, fillThenLeak(60))).toEqual([]);
    expect(await drive(growthSettings, 10_000, fillThenLeak(0))).toEqual([]);
  });

  it("does not take a fresh runtime's warm-up for growth", async () => {
    // Its pools and arenas fill as it starts (measured: ~125 MB over its first 50 sessions, one live); here over 200, as slow traffic would show it.
    const warmUp = (opened: number): Look => ({ live: 1, residentMb: 27 + (150 * Math.min(opened, 200)) / 200 });
    expect(await drive(growthSettings, 10_000, warmUp)).toEqual([]);
  });

  /** 100 conversations more at once from 2,000 sessions on (the look that first sees them catches them half open), gone by 2,300; their memory is never given back. */
  const burst = (leakAfter: number) => (opened: number): Look => {
    const steady = fillThenLeak(0)(opened);
    const leaked = opened > 2_300 ? (leakAfter * (opened - 2_300)) / 1000 : 0;
    if (opened < 2_000) return steady;
    if (opened === 2_000) return { live: 228, residentMb: steady.residentMb + 24 * 50 };
    if (opened < 2_300) return { live: 228, residentMb: steady.residentMb + 24 * 100 };
    return { live: 128, residentMb: steady.residentMb + 24 * 100 + leaked };
  };

  it("does not take memory a burst above the caps left behind for growth", async () => {
    expect(await drive(growthSettings, 8_000, burst(0))).toEqual([]);
  });

  it("still finds a leak after a burst, measured from after it", async () => {
    const replaced = await drive(growthSettings, 8_000, burst(170));
    // The burst's peak was seen at 2,000 sessions; the first window after it, from 2,050, shows the leak at 3,050.
    expect(replaced.map((replacement) => replacement.at)).toEqual([3_050]);
  });

  it("does not take conversations coming back (resumed, live again) for growth", async () => {
    // Most conversations suspended (10 live), until 118 of them come back at once with few new ones opened.
    const comeBack = (opened: number): Look => (opened < 2_000 ? { live: 10, residentMb: 27 + 240 } : { live: 128, residentMb: 27 + 24 * 128 });
    expect(await drive(growthSettings, 6_000, comeBack)).toEqual([]);
  });

  it("leaves a runtime younger than the minimum age, and replaces it once it is old enough", async () => {
    const runtime = new FakeRuntime();
    runtime.ageMs = 0;
    const { pool, replaced } = poolOf(runtime);
    const recycler = new RuntimeRecycler({ ...growthSettings, minAgeMs: 60_000 }, pool);
    for (let opened = 0; opened <= 3_000; opened += 50) {
      const { live, residentMb } = fillThenLeak(500)(opened);
      Object.assign(runtime, { sessionsOpened: opened, liveLoad: live, resident: residentMb * MB });
      await recycler.check();
    }
    expect(replaced).toEqual([]);
    runtime.ageMs = 60_000;
    await recycler.check();
    expect(replaced.map((replacement) => replacement.cause.kind)).toEqual(["growth"]);
  });

  it("measures a restarted runtime afresh, from after it filled up again", async () => {
    const runtime = new FakeRuntime();
    const restartedAt = 2_000;
    const replaced = await drive(growthSettings, 8_000, (opened) => {
      if (opened < restartedAt) return fillThenLeak(0)(opened);
      // It crashed and came back empty: its sessions count on, its memory starts again, and it keeps 170 MB per 1,000.
      runtime.restarts = 1;
      const since = opened - restartedAt;
      return { live: Math.min(since, 128), residentMb: 27 + 24 * Math.min(since, 128) + (170 * since) / 1000 };
    }, runtime);
    // Measured from its first look after the restart, at 2,000: a window of warm-up, then one more, ending at 4,000.
    expect(replaced.map((replacement) => replacement.at)).toEqual([4_000]);
  });

  it("replaces by size alone when growth is not watched, however fast it grows", async () => {
    const sizeOnly: RecycleSettings = { maxResidentBytes: 1024 * MB, minAgeMs: 0 };
    const steadyGrowth = (opened: number): Look => ({ live: 10, residentMb: 27 + opened / 10 });
    expect(await drive(sizeOnly, 5_000, steadyGrowth)).toEqual([]);
    const replaced = await drive(sizeOnly, 20_000, steadyGrowth);
    expect(replaced.map(({ at, cause }) => ({ at, cause }))).toEqual([{ at: 10_000, cause: { kind: "size" } }]);
  });

  it("never replaces a runtime whose memory it cannot see (an external one)", async () => {
    const runtime = new FakeRuntime();
    const replaced = await drive({ ...growthSettings, maxResidentBytes: 1 }, 3_000, fillThenLeak(500), runtime);
    expect(replaced).toHaveLength(1);
    const unseen = new FakeRuntime();
    unseen.residentBytes = () => undefined;
    expect(await drive({ ...growthSettings, maxResidentBytes: 1 }, 3_000, fillThenLeak(500), unseen)).toEqual([]);
  });
});

describe("RuntimeRecycler, a replaced runtime", () => {
  it("is stopped once it holds no session and is opening none", async () => {
    const old = new FakeRuntime();
    old.resident = 2048 * MB;
    const retiring: FakeRuntime[] = [];
    const events: string[] = [];
    let serving = old;
    const recycler = new RuntimeRecycler<FakeRuntime>({ maxResidentBytes: 1024 * MB, minAgeMs: 0 }, {
      serving: () => [serving],
      retiring: () => retiring,
      replace: async (member) => {
        serving = new FakeRuntime();
        retiring.push(member);
      },
      announceRetiring: () => void events.push("announced"),
      finish: async (member) => {
        retiring.splice(retiring.indexOf(member), 1);
        events.push("stopped");
      },
    });
    // Replaced while a request that chose it before is still opening a session on it.
    old.openingNow = 1;
    await recycler.check();
    expect(events).toEqual(["announced"]);
    // The session opened: it is held until its conversation lets it go.
    old.openingNow = 0;
    old.held = ["opened-late"];
    await recycler.check();
    expect(events).toEqual(["announced", "announced"]);
    old.held = [];
    await recycler.check();
    expect(events).toEqual(["announced", "announced", "stopped"]);
  });
});
