// How the bench runs its rows: blocks of requests one after another (c=1) or
// rounds of concurrent ones, rows alternating block by block, each block's
// samples, CPU time and memory added to the row's measurement. Shared by
// `npm run bench` (bench.ts) and the rewinding and recycling rows alone (rewind-rows.ts).
import type { Results } from "./report.js";
import { BenchFleet, type Row } from "./rows.js";
import { processCpuMs, residentBytes, summarize, type Measurement, type Sample } from "./stats.js";

export interface Plan {
  warmup: number;
  block: number;
  blocks: number;
  concurrency: number;
  rounds: number;
  breakdown: number;
  watchdogMs: number;
}

/** BENCH_QUICK: a few requests per row, for working on the bench. */
export const QUICK_PLAN: Plan = { warmup: 2, block: 5, blocks: 2, concurrency: 8, rounds: 2, breakdown: 5, watchdogMs: 5 * 60_000 };
/** 20 ABBA blocks of 10 = 200 requests per row at c=1; 6 rounds of 50 after one warm-up round at c=50. */
export const FULL_PLAN: Plan = { warmup: 10, block: 10, blocks: 20, concurrency: 50, rounds: 6, breakdown: 50, watchdogMs: 20 * 60_000 };

const empty = (): Measurement => ({ samples: [], wallMs: 0, selfCpuMs: 0, runtimeCpuMs: 0, runtimeRssBytes: 0, selfRssBytes: 0 });
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Runs one block of `workers` workers (after the row's unmeasured prepare) and
 * adds its samples, wall time, CPU time and the memory after it to `into`
 * (nothing for a warm-up).
 */
async function measure(row: Row, workers: number, into: Measurement | undefined, body: () => Promise<Sample[]>): Promise<void> {
  const stage = { at: "prepare", since: performance.now() };
  const report = setInterval(() => console.error(`bench: row "${row.label}" (${workers} workers) still in ${stage.at} after ${((performance.now() - stage.since) / 1000).toFixed(0)} s`), 60_000);
  try {
    await measureBlock(row, workers, into, body, stage);
  } catch (error) {
    const now = row.describe ? ` (then: ${row.describe()})` : "";
    throw new Error(`row "${row.label}" (${workers} workers), in ${stage.at}: ${error instanceof Error ? error.message : String(error)}${now}`, { cause: error });
  } finally {
    clearInterval(report);
  }
}

async function measureBlock(row: Row, workers: number, into: Measurement | undefined, body: () => Promise<Sample[]>, stage: { at: string; since: number }): Promise<void> {
  await row.prepare(workers);
  stage.at = "settle before";
  await row.settle();
  const cpu = process.cpuUsage();
  const runtimeCpu = sum(row.runtimePids.map(processCpuMs));
  const opened = row.sessionsOpened?.();
  const started = performance.now();
  stage.at = "requests";
  const samples = await body();
  stage.at = "settle after";
  await row.settle();
  if (!into) return;
  into.wallMs += performance.now() - started;
  const self = process.cpuUsage(cpu);
  into.selfCpuMs += (self.user + self.system) / 1000;
  into.runtimeCpuMs += sum(row.runtimePids.map(processCpuMs)) - runtimeCpu;
  into.samples.push(...samples);
  if (opened !== undefined) into.sessionsOpened = (into.sessionsOpened ?? 0) + row.sessionsOpened!() - opened;
  into.runtimeRssBytes = sum(row.runtimePids.map(residentBytes));
  into.selfRssBytes = process.memoryUsage().rss;
}

/** A B C … C B A A B C …: no row always runs first, and drift hits them all alike. */
function* alternating(rows: readonly Row[], blocks: number): Generator<Row> {
  for (let block = 0; block < blocks; block++) yield* block % 2 === 0 ? rows : [...rows].reverse();
}

export type Phases = ReturnType<typeof phases>;

export function phases(plan: Plan) {
  /**
   * Requests one after another. Each starts once no session open, suspend or close of
   * the row is in flight, so a request pays neither for the previous one's
   * cleanup nor for a warm session's refill (both are in the row's CPU time;
   * the gateway's ledger may still evict a session during a request: that
   * cost is its own).
   */
  function sequential(row: Row, count: number, into?: Measurement): Promise<void> {
    return measure(row, 1, into, async () => {
      const samples: Sample[] = [];
      for (let i = 0; i < count; i++) {
        samples.push(await row.run(0));
        await row.settle();
      }
      return samples;
    });
  }

  function concurrentRound(row: Row, into?: Measurement): Promise<void> {
    return measure(row, plan.concurrency, into, () => Promise.all(Array.from({ length: plan.concurrency }, (_, worker) => row.run(worker))));
  }

  /** Warms every row up, then measures them in alternating blocks; the summaries by row label, and each row's measurement. */
  async function phase(
    rows: readonly Row[],
    blocks: number,
    warmUp: (row: Row) => Promise<void>,
    block: (row: Row, into: Measurement) => Promise<void>,
  ): Promise<{ results: Results; measured: Map<Row, Measurement> }> {
    for (const row of rows) await warmUp(row);
    const measured = new Map(rows.map((row) => [row, empty()]));
    for (const row of alternating(rows, blocks)) await block(row, measured.get(row)!);
    return { results: new Map(rows.map((row) => [row.label, summarize(measured.get(row)!)])), measured };
  }

  /**
   * Rows at the plan's concurrency, each alone on gateways of its own (`start`
   * makes them in the fleet given), one after another, each fleet stopped
   * before the next starts: at c=50 a row's runtime holds several GB (a
   * session holds ~56 MB of it until closed), and side by side they do not
   * fit. Rows measured one after another are compared on a quiet machine only.
   */
  async function concurrentEachAlone(starts: ReadonlyArray<(fleet: BenchFleet) => Promise<Row>>): Promise<Results> {
    const results: Results = new Map();
    for (const start of starts) {
      const fleet = new BenchFleet();
      try {
        const row = await start(fleet);
        const { results: one } = await phase([row], plan.rounds, (r) => concurrentRound(r), (r, into) => concurrentRound(r, into));
        results.set(row.label, one.get(row.label)!);
      } finally {
        await fleet.stop();
      }
    }
    return results;
  }

  return { plan, sequential, concurrentRound, phase, concurrentEachAlone };
}

/** Runs a bench entry point: its exit code, or 1 when it broke (a request failed, or the bench itself). */
export function runBench(main: () => Promise<number>): void {
  main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("bench: broke:", error);
    process.exit(1);
  },
);
}
