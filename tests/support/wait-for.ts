// Polls a condition the test cannot await directly (a count the gateway
// keeps, a call the upstream records), failing after a generous limit.
export async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Polls a condition that needs a request (an answer of the gateway, a row of the database) until it holds. */
export async function eventually(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The value of the first sample of a Prometheus exposition whose line matches `sample`; NaN when there is none. */
export function sampleValue(exposition: string, sample: RegExp): number {
  return Number(exposition.split("\n").find((line) => sample.test(line))?.split(" ").pop() ?? "NaN");
}
