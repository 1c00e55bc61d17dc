// Opening sessions a few at a time: an open the runtime never answers gives
// its slot up after a while, so it cannot shut the line for good, and what it
// opens after all is handed on to be closed.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { SessionOpenSlots } from "../../src/runtime/session-open-slots.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function unanswered<T>() {
  let answer: (value: T) => void = () => {};
  const promise = new Promise<T>((resolve) => (answer = resolve));
  return { promise, answer };
}

it("gives up an open not answered in time: the next in line gets its slot, and what it opens late is handed on", async () => {
  const slots = new SessionOpenSlots(1);
  const late: string[] = [];
  const stuck = unanswered<string>();
  const first = slots.run(() => stuck.promise, { signal: undefined, giveUpMs: 1_000, late: (opened) => late.push(opened) });
  const firstError = first.catch((error: unknown) => error);
  const openSecond = vi.fn(() => Promise.resolve("second"));
  const second = slots.run(openSecond, { signal: undefined, giveUpMs: 1_000, late: (opened) => late.push(opened) });

  await vi.advanceTimersByTimeAsync(999);
  expect(openSecond).not.toHaveBeenCalled();
  await vi.advanceTimersByTimeAsync(1);
  expect(String(await firstError)).toContain("did not answer within 1000 ms");
  await expect(second).resolves.toBe("second");

  stuck.answer("first, opened late");
  await vi.advanceTimersByTimeAsync(0);
  expect(late).toEqual(["first, opened late"]);
});

it("frees the slot as soon as an open is answered or fails, and hands nothing on", async () => {
  const slots = new SessionOpenSlots(1);
  const late: string[] = [];
  const options = { signal: undefined, giveUpMs: 1_000, late: (opened: string) => late.push(opened) };
  await expect(slots.run(() => Promise.reject(new Error("refused")), options)).rejects.toThrow("refused");
  await expect(slots.run(() => Promise.resolve("opened"), options)).resolves.toBe("opened");
  await vi.advanceTimersByTimeAsync(5_000);
  expect(late).toEqual([]);
});
