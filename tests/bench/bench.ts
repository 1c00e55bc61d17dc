// `npm run bench` (issue 2 part 8): streaming TTFT and total time, side by
// side, for (a) direct HTTP to the scripted upstream, (b) the raw SDK with a
// new session per request, (c) the gateway over a real socket — at
// concurrency 1 and 50 — and the gateway / raw SDK ratio against the targets
// (≤ +1 ms p50 TTFT at c=1, ≤ +10 % at c=50). Then a short instrumented run
// splits the gateway's TTFT into its own work and the runtime's. Last, issue
// 3's agent loop: per-step TTFT with the conversation ledger against a new
// session per request (tests/bench/agent-loop.ts). And issue 7's: a new
// conversation with 10 or 200 earlier messages, seeded against flattened
// (tests/bench/seeding.ts).
//
// It reports; it does not fail: the exit code is 0 when targets are missed,
// and non-zero only when a request failed or the bench itself broke.
// Not a vitest file (vitest only picks up tests/**/*.test.ts).
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import type { Script, Step } from "../support/upstream.js";
import { benchAgentLoop } from "./agent-loop.js";
import { benchSeeding } from "./seeding.js";
import { probeGateway, type Breakdown } from "./gateway-probe.js";
import { directRequest, gatewayRequest, RawSdk } from "./paths.js";
import { childProcesses, mib, ms, otherCpuBetween, otherProcessesCpuMs, percentile, processCpuMs, summarize, table, type ChildProcessInfo, type Measurement, type Sample, type Summary } from "./stats.js";

const SEQUENTIAL_WARMUP = 10;
/** Requests per block at concurrency 1; raw SDK and gateway blocks alternate ABBA. */
const SEQUENTIAL_BLOCK = 10;
/** 20 blocks of 10 = 200 sequential requests per path. */
const SEQUENTIAL_BLOCKS = 20;
const CONCURRENCY = 50;
/** Rounds of 50 per path (after one warm-up round each), alternating ABBA. */
const CONCURRENT_ROUNDS = 6;
/** Instrumented gateway requests (after the concurrency-1 measurements) for the TTFT breakdown. */
const BREAKDOWN_REQUESTS = 50;
/** The whole bench is killed (exit 1) if it ever runs this long. */
const WATCHDOG_MS = 5 * 60_000;

/** A fixed, realistic answer for every path: 20 deltas of a few words, no delays. */
const WORDS = "the gateway streams each delta as soon as the runtime emits it to the client".split(" ");
const ANSWER: Script = {
  steps: Array.from({ length: 20 }, (_, i): Step => ({ text: `${WORDS[i % WORDS.length]} ${WORDS[(i + 3) % WORDS.length]} ${WORDS[(i + 7) % WORDS.length]} ` })),
  finishReason: "stop",
  usage: { prompt_tokens: 24, completion_tokens: 60 },
};

const PATHS = ["direct", "raw-sdk", "gateway"] as const;
type PathName = (typeof PATHS)[number];
type Run = (prompt: string) => Promise<Sample>;

interface Path {
  run: Run;
  /** Resolves once no session of an earlier request is still being closed. */
  settle: () => Promise<void>;
  /** The runtime process serving this path, for its CPU time. */
  runtimePid: number | undefined;
}

let counter = 0;
const nextPrompt = () => `Benchmark request ${String(counter++).padStart(5, "0")}: write one short sentence.`;

const empty = (): Measurement => ({ samples: [], wallMs: 0, selfCpuMs: 0, runtimeCpuMs: 0 });

/** Runs one block of requests and adds its samples, wall time and CPU time to `into` (nothing for a warm-up). */
async function measure(path: Path, into: Measurement | undefined, body: () => Promise<Sample[]>): Promise<void> {
  const cpu = process.cpuUsage();
  const runtimeCpu = processCpuMs(path.runtimePid);
  const started = performance.now();
  const samples = await body();
  await path.settle();
  if (!into) return;
  into.wallMs += performance.now() - started;
  const self = process.cpuUsage(cpu);
  into.selfCpuMs += (self.user + self.system) / 1000;
  into.runtimeCpuMs += processCpuMs(path.runtimePid) - runtimeCpu;
  into.samples.push(...samples);
}

/**
 * Requests one after another. Each starts once no session close is in flight,
 * so a request does not pay for the previous one's cleanup (the gateway's
 * ledger may still evict a session during a request: that cost is its own).
 */
function sequential(path: Path, count: number, into?: Measurement): Promise<void> {
  return measure(path, into, async () => {
    const samples: Sample[] = [];
    for (let i = 0; i < count; i++) {
      samples.push(await path.run(nextPrompt()));
      await path.settle();
    }
    return samples;
  });
}

function concurrentRound(path: Path, into?: Measurement): Promise<void> {
  return measure(path, into, () => Promise.all(Array.from({ length: CONCURRENCY }, () => path.run(nextPrompt()))));
}

async function main(): Promise<number> {
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${WATCHDOG_MS / 1000} s; giving up`);
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  const benchStarted = performance.now();
  const othersAtStart = otherProcessesCpuMs();

  const before = new Set(childProcesses().map((child) => child.pid));
  let gateway: TestGateway | undefined;
  let raw: RawSdk | undefined;
  const rawDir = await mkdtemp(join(tmpdir(), "cgw-bench-raw-"));
  try {
    gateway = await startGateway();
    const gatewayRuntimes = childProcesses().filter((child) => !before.has(child.pid) && isRuntime(child));
    const upstream = gateway.upstream;
    upstream.respond(() => ANSWER);
    const gatewayProbe = probeGateway(gateway);
    const gatewayUrl = await gateway.listen();

    raw = await RawSdk.start(rawDir, upstream.baseUrl);
    const known = new Set([...before, ...gatewayRuntimes.map((child) => child.pid)]);
    const rawRuntimes = childProcesses().filter((child) => !known.has(child.pid) && isRuntime(child));

    const sdk = raw;
    const paths: Record<PathName, Path> = {
      direct: { run: (p) => directRequest(upstream.baseUrl, TEST_MODEL, p), settle: async () => {}, runtimePid: undefined },
      "raw-sdk": { run: (p) => sdk.request(TEST_MODEL, p), settle: () => sdk.settle(), runtimePid: rawRuntimes[0]?.pid },
      gateway: { run: (p) => gatewayRequest(gatewayUrl, TEST_MODEL, p), settle: () => gatewayProbe.settle(), runtimePid: gatewayRuntimes[0]?.pid },
    };
    // The upstream records every call; forget them between blocks.
    const forget = () => void (upstream.calls.length = 0);

    const results = new Map<string, Summary>();
    const key = (path: PathName, concurrency: number) => `${path}@${concurrency}`;

    console.log(`bench: concurrency 1 — ${SEQUENTIAL_BLOCKS * SEQUENTIAL_BLOCK} requests per path after ${SEQUENTIAL_WARMUP} warm-ups …`);
    for (const path of PATHS) await sequential(paths[path], SEQUENTIAL_WARMUP);
    const c1 = { direct: empty(), "raw-sdk": empty(), gateway: empty() };
    await sequential(paths.direct, SEQUENTIAL_BLOCKS * SEQUENTIAL_BLOCK, c1.direct);
    // ABBA order: neither of the two compared paths always runs first, and drift hits both alike.
    for (const path of abba(SEQUENTIAL_BLOCKS)) {
      await sequential(paths[path], SEQUENTIAL_BLOCK, c1[path]);
      forget();
    }
    for (const path of PATHS) results.set(key(path, 1), summarize(c1[path]));

    console.log(`bench: where the gateway's time to first token goes — ${BREAKDOWN_REQUESTS} instrumented requests at concurrency 1 …`);
    const breakdown = await gatewayProbe.breakdown(() => paths.gateway.run(nextPrompt()), BREAKDOWN_REQUESTS);
    forget();
    const rawOpen = c1["raw-sdk"].samples.map((sample) => sample.openMs ?? Number.NaN);
    const rawBreakdown = {
      openSessionMs: percentile(rawOpen, 50),
      toFirstDeltaMs: percentile(c1["raw-sdk"].samples.map((sample) => sample.ttftMs - (sample.openMs ?? Number.NaN)), 50),
    };

    console.log(`bench: concurrency ${CONCURRENCY} — ${CONCURRENT_ROUNDS} rounds per path after one warm-up round …`);
    for (const path of PATHS) await concurrentRound(paths[path]);
    const c50 = { direct: empty(), "raw-sdk": empty(), gateway: empty() };
    for (let round = 0; round < CONCURRENT_ROUNDS; round++) await concurrentRound(paths.direct, c50.direct);
    for (const path of abba(CONCURRENT_ROUNDS)) {
      await concurrentRound(paths[path], c50[path]);
      forget();
    }
    for (const path of PATHS) results.set(key(path, CONCURRENCY), summarize(c50[path]));

    const children = childProcesses();
    const benchMs = performance.now() - benchStarted;
    const otherShare = otherCpuBetween(othersAtStart, otherProcessesCpuMs()) / (benchMs * cpus().length);
    report(results, key, breakdown, rawBreakdown, {
      gatewayRuntimes: refresh(gatewayRuntimes, children),
      rawRuntimes: refresh(rawRuntimes, children),
      gatewaySessionsOpen: gatewayProbe.openSessions(),
      gatewaySessionsLive: gatewayProbe.liveSessions(),
      otherShare,
      benchSeconds: benchMs / 1000,
    });
    return 0;
  } finally {
    await raw?.stop().catch((error: unknown) => console.error("bench: stopping the raw SDK failed:", error));
    await gateway?.close().catch((error: unknown) => console.error("bench: stopping the gateway failed:", error));
    await rm(rawDir, { recursive: true, force: true });
  }
}

/** raw-sdk, gateway, gateway, raw-sdk, raw-sdk, gateway, … (`blocks` of each). */
function abba(blocks: number): Array<"raw-sdk" | "gateway"> {
  const order: Array<"raw-sdk" | "gateway"> = [];
  for (let i = 0; order.length < 2 * blocks; i++) order.push(i % 4 === 0 || i % 4 === 3 ? "raw-sdk" : "gateway");
  return order;
}

/** The SDK's bundled runtime binary (tsx's esbuild service is a child of this process too). */
function isRuntime(child: ChildProcessInfo): boolean {
  return /copilot/i.test(child.command);
}

function refresh(processes: ChildProcessInfo[], now: ChildProcessInfo[]): ChildProcessInfo[] {
  return processes.map((known) => now.find((child) => child.pid === known.pid) ?? { ...known, rssBytes: 0 });
}

function report(
  results: Map<string, Summary>,
  key: (path: PathName, concurrency: number) => string,
  breakdown: Breakdown,
  raw: { openSessionMs: number; toFirstDeltaMs: number },
  extra: { gatewayRuntimes: ChildProcessInfo[]; rawRuntimes: ChildProcessInfo[]; gatewaySessionsOpen: number; gatewaySessionsLive: number; otherShare: number; benchSeconds: number },
): void {
  const rows: string[][] = [];
  for (const concurrency of [1, CONCURRENCY]) {
    for (const path of ["direct", "raw-sdk", "gateway"] as const) {
      const s = results.get(key(path, concurrency))!;
      rows.push([
        path,
        String(concurrency),
        String(s.n),
        ms(s.ttftP50),
        ms(s.ttftP99),
        ms(s.totalP50),
        ms(s.totalP99),
        (s.wallMs / 1000).toFixed(2),
        (s.n / (s.wallMs / 1000)).toFixed(0),
        s.selfCpuMsPerRequest.toFixed(2),
        path === "direct" ? "-" : s.runtimeCpuMsPerRequest.toFixed(1),
      ]);
    }
  }
  console.log("");
  console.log(`code: ${codeVersion()}`);
  const others = `other processes used ${(extra.otherShare * 100).toFixed(0)} % of the machine meanwhile${extra.otherShare > 0.05 ? " — figures are disturbed, run again on a quiet machine" : ""}`;
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "?"}), node ${process.version}, ${process.platform}-${process.arch}; ${others}`);
  console.log("");
  console.log(table(["path", "conc", "n", "TTFT p50 ms", "TTFT p99 ms", "total p50 ms", "total p99 ms", "wall s", "req/s", "cpu ms/req: bench proc", "runtime"], rows));
  console.log(
    "c=1: each request starts once no session close is in flight; c=50: rounds of 50 at once. Wall and CPU include closing the sessions.\n" +
      "bench proc = this process: gateway app + scripted upstream + raw SDK client + HTTP load generator. runtime = the Copilot runtime process serving the path, with the helpers it spawns (git rev-parse per session).",
  );

  const g1 = results.get(key("gateway", 1))!;
  const r1 = results.get(key("raw-sdk", 1))!;
  const g50 = results.get(key("gateway", CONCURRENCY))!;
  const r50 = results.get(key("raw-sdk", CONCURRENCY))!;
  const diff1 = g1.ttftP50 - r1.ttftP50;
  const ratio50 = g50.ttftP50 / r50.ttftP50;
  const verdict = (pass: boolean) => (pass ? "PASS" : "MISS");
  console.log("");
  console.log("gateway / raw SDK:");
  console.log(
    table(
      ["conc", "TTFT p50", "TTFT p99", "total p50", "TTFT p50 diff ms", "target", "verdict"],
      [
        [`1`, ratio(g1.ttftP50, r1.ttftP50), ratio(g1.ttftP99, r1.ttftP99), ratio(g1.totalP50, r1.totalP50), signedMs(diff1), "≤ +1 ms p50 TTFT", verdict(diff1 <= 1)],
        [
          String(CONCURRENCY),
          ratio(g50.ttftP50, r50.ttftP50),
          ratio(g50.ttftP99, r50.ttftP99),
          ratio(g50.totalP50, r50.totalP50),
          signedMs(g50.ttftP50 - r50.ttftP50),
          "≤ 1.10× p50 TTFT",
          verdict(ratio50 <= 1.1),
        ],
      ],
    ),
  );

  const own = breakdown.beforeSessionMs + breakdown.afterFirstDeltaMs;
  console.log("");
  console.log(`where the gateway's TTFT goes (c=1, ${breakdown.n} instrumented requests, medians; raw SDK from its c=1 run):`);
  console.log(
    table(
      ["stage", "gateway ms", "raw SDK ms"],
      [
        ["before the session: HTTP in, body parse, model check, ledger", ms(breakdown.beforeSessionMs), "-"],
        ["runtime: open session (scratch dir + createSession)", ms(breakdown.openSessionMs), ms(raw.openSessionMs)],
        ["runtime: send → first assistant.message_delta", ms(breakdown.toFirstDeltaMs), ms(raw.toFirstDeltaMs)],
        ["after it: event queue, SSE encoder, HTTP out to the client", ms(breakdown.afterFirstDeltaMs), "-"],
        ["TTFT", ms(breakdown.ttftMs), ms(raw.openSessionMs + raw.toFirstDeltaMs)],
      ],
    ),
  );
  console.log(
    `the gateway's own share (before the session + after the first delta): ${ms(own)} ms; the runtime part differs by ${signedMs(breakdown.openSessionMs + breakdown.toFirstDeltaMs - raw.openSessionMs - raw.toFirstDeltaMs)} ms` +
      ` (the gateway's runtime holds ${extra.gatewaySessionsOpen} sessions for its conversations, ${extra.gatewaySessionsLive} of them live; the raw SDK's none)`,
  );

  const usage = process.memoryUsage();
  console.log("");
  console.log(
    `memory: this process (gateway app + scripted upstream + raw SDK client + load generator) RSS ${mib(usage.rss)}, peak ${mib(process.resourceUsage().maxRSS * 1024)}, heap used ${mib(usage.heapUsed)}`,
  );
  for (const [label, processes] of [
    ["gateway's runtime", extra.gatewayRuntimes],
    ["raw SDK's runtime", extra.rawRuntimes],
  ] as const) {
    for (const child of processes) console.log(`        ${label}: pid ${child.pid} RSS ${mib(child.rssBytes)} (${child.command.slice(0, 60)})`);
    if (processes.length === 0) console.log(`        ${label}: not found under /proc`);
  }
  console.log(
    `        sessions the gateway still holds at the end: ${extra.gatewaySessionsOpen}, ${extra.gatewaySessionsLive} of them live, the rest suspended (the raw SDK path holds none)`,
  );
  console.log(`bench took ${extra.benchSeconds.toFixed(1)} s`);
}

/** The commit measured, and whether the working tree had changes on top of it. */
function codeVersion(): string {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() !== "";
    return `${commit}${dirty ? " + uncommitted changes in src/" : ""}`;
  } catch {
    return "unknown (no git)";
  }
}

function signedMs(value: number): string {
  return `${value >= 0 ? "+" : ""}${ms(value)}`;
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(3)}×`;
}

async function all(): Promise<number> {
  const code = await main();
  if (code !== 0) return code;
  await benchAgentLoop();
  await benchSeeding();
  return 0;
}

all().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("bench: broke:", error);
    process.exit(1);
  },
);
