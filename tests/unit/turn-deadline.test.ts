// One deadline for everything a turn waits on before the model's first
// output: each wait gets only what the ones before it left, a call is not
// made once nothing is left, a session that comes late is handed on to be
// closed, and the client leaving ends the wait.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { GatewayError } from "../../src/core/gateway-error.js";
import { TurnDeadline } from "../../src/turns/deadline.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const never = () => new Promise<string>(() => {});
const after = (ms: number, value: string) => () => new Promise<string>((resolve) => setTimeout(() => resolve(value), ms));

it("gives each wait only what the waits before it left, and names the one that ran out", async () => {
  const deadline = new TurnDeadline(2_000, new AbortController().signal);
  const warm = deadline.within(after(1_500, "warm"), "take a session opened ahead");
  await vi.advanceTimersByTimeAsync(1_500);
  await expect(warm).resolves.toBe("warm");
  expect(deadline.remainingMs).toBe(500);
  const opening = deadline.within(never, "open a session").catch((error: unknown) => error);
  await vi.advanceTimersByTimeAsync(500);
  const error = (await opening) as GatewayError;
  expect(error).toBeInstanceOf(GatewayError);
  expect(error).toMatchObject({ status: 504, code: "runtime_timeout", message: "The Copilot runtime did not open a session within 2 s." });
});

it("does not make a call once nothing is left", async () => {
  const deadline = new TurnDeadline(1_000, new AbortController().signal);
  await vi.advanceTimersByTimeAsync(1_000);
  const call = vi.fn(never);
  await expect(deadline.within(call, "resume the session")).rejects.toMatchObject({ code: "runtime_timeout" });
  expect(call).not.toHaveBeenCalled();
});

it("hands what arrives after the deadline to be discarded", async () => {
  const deadline = new TurnDeadline(1_000, new AbortController().signal);
  const discarded: string[] = [];
  const opening = deadline.within(after(3_000, "late session"), "open a session", (late) => discarded.push(late)).catch(() => undefined);
  await vi.advanceTimersByTimeAsync(3_000);
  await opening;
  expect(discarded).toEqual(["late session"]);
});

it("ends the wait when the client goes away, with the shutdown's error when that is why", async () => {
  const client = new AbortController();
  const deadline = new TurnDeadline(30_000, client.signal);
  const waiting = deadline.within(never, "open a session").catch((error: unknown) => error);
  const shutdown = new GatewayError({ status: 503, code: "shutting_down", message: "shutting down" });
  client.abort(shutdown);
  expect(await waiting).toBe(shutdown);
  const call = vi.fn(never);
  await expect(deadline.within(call, "open a session")).rejects.toBe(shutdown);
  expect(call).not.toHaveBeenCalled();
});
