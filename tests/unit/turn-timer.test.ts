// The turn's clocks, on fake time and the event types of recorded turns: the
// deadline until the first output (what is left of it, reporting the upstream
// failure the runtime was retrying, or naming a runtime that never took the
// input), then the stall limit, which only progress events restart.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GatewayError } from "../../src/core/gateway-error.js";
import { PROGRESS_EVENTS, STALL_LIMIT_MS, TurnTimer } from "../../src/turns/turn-timer.js";
import type { UpstreamFailure } from "../../src/turns/upstream-errors.js";
import { eventsOf, recordedTurn } from "../fixtures/recorded-turns.js";

const DEADLINE_MS = 30_000;

/** A timer started as a turn is sent; by default the session took the turn's input. */
function startedTimer(lastFailure?: UpstreamFailure, { taken = true, withinMs }: { taken?: boolean; withinMs?: number } = {}) {
  const expired: GatewayError[] = [];
  const timer = new TurnTimer({ deadlineMs: DEADLINE_MS, lastFailure: () => lastFailure, expired: (error) => expired.push(error) });
  timer.start(withinMs);
  if (taken) timer.inputTaken();
  return { timer, expired };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("TurnTimer", () => {
  it("fails a model that does not start answering within the deadline with a 504", () => {
    const { expired } = startedTimer();
    vi.advanceTimersByTime(DEADLINE_MS - 1);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired.map((error) => [error.status, error.code])).toEqual([[504, "upstream_timeout"]]);
    expect(expired[0]!.message).toContain("within 30 s");
  });

  it("names the runtime, not the model, when the session never took the turn's input", () => {
    const { expired } = startedTimer(undefined, { taken: false });
    vi.advanceTimersByTime(DEADLINE_MS);
    expect(expired.map((error) => [error.status, error.code])).toEqual([[504, "runtime_timeout"]]);
    expect(expired[0]!.message).toBe("The Copilot runtime did not take the turn within 30 s.");
  });

  it("gives the model only what getting the session left of the deadline, and still names the whole deadline", () => {
    const { expired } = startedTimer(undefined, { withinMs: 1_000 });
    vi.advanceTimersByTime(999);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired.map((error) => error.code)).toEqual(["upstream_timeout"]);
    expect(expired[0]!.message).toContain("within 30 s");
  });

  it("reports the failure the runtime was still retrying when the deadline struck", () => {
    const [failure] = eventsOf(recordedTurn("upstream-keeps-failing"), "model.call_failure");
    const { expired } = startedTimer({ statusCode: failure!.data.statusCode, message: failure!.data.errorMessage });
    vi.advanceTimersByTime(DEADLINE_MS);
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ status: 502, code: "upstream_error" });
    expect(expired[0]!.message).toContain("still failing after 30 s of retries");
  });

  it("lets the deadline run on through the runtime's events before the first output", () => {
    const { timer, expired } = startedTimer();
    // The runtime's retries of a failing call are busy, but no answer.
    for (const event of recordedTurn("upstream-keeps-failing").events) timer.saw(event.type);
    vi.advanceTimersByTime(DEADLINE_MS);
    expect(expired.map((error) => error.code)).toEqual(["upstream_timeout"]);
  });

  it("switches to the stall limit once output was sent: an answer may take longer than the deadline", () => {
    const { timer, expired } = startedTimer();
    vi.advanceTimersByTime(DEADLINE_MS - 1);
    timer.answerStarted();
    expect(timer.answering).toBe(true);
    vi.advanceTimersByTime(STALL_LIMIT_MS - 1);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired.map((error) => [error.status, error.code])).toEqual([[504, "upstream_stalled"]]);
  });

  it("restarts the stall limit on each event of a streaming answer, not on the runtime's other events", () => {
    const events = [...recordedTurn("reasoning").events, ...recordedTurn("parallel-tool-calls").events];
    const progress = events.filter((event) => PROGRESS_EVENTS.has(event.type));
    const others = events.filter((event) => !PROGRESS_EVENTS.has(event.type));
    // Every kind of progress event is still one the runtime sends (worth knowing after an SDK upgrade).
    expect(new Set(progress.map((event) => event.type))).toEqual(PROGRESS_EVENTS);
    expect(others.length).toBeGreaterThan(0);

    const { timer, expired } = startedTimer();
    timer.answerStarted();
    for (const event of progress) {
      vi.advanceTimersByTime(STALL_LIMIT_MS - 1);
      timer.saw(event.type);
    }
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(STALL_LIMIT_MS - 1);
    for (const event of others) timer.saw(event.type);
    vi.advanceTimersByTime(1);
    expect(expired.map((error) => error.code)).toEqual(["upstream_stalled"]);
  });

  it("does not restart the stall limit when output is reported again", () => {
    const { timer, expired } = startedTimer();
    timer.answerStarted();
    vi.advanceTimersByTime(STALL_LIMIT_MS - 1);
    timer.answerStarted();
    vi.advanceTimersByTime(1);
    expect(expired).toHaveLength(1);
  });

  it("never fires once stopped", () => {
    const { timer, expired } = startedTimer();
    timer.stop();
    vi.advanceTimersByTime(STALL_LIMIT_MS * 2);
    expect(expired).toEqual([]);
  });
});
