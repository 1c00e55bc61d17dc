// What `npm run bench` prints: a table per concurrency with every row, the
// ratios against the targets (each PASS or MISS, never a failure),
// 1 against N runtimes, and where the gateway's time to first token goes.
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import type { Breakdown, ToolRoundTrip } from "./gateway-probe.js";
import { mib, ms, table, type Summary } from "./stats.js";

/** The summaries of one concurrency, by row label, in the order they are printed. */
export type Results = Map<string, Summary>;

export function machineLine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model.trim() ?? "?"}), node ${process.version}, ${process.platform}-${process.arch}`;
}

export function loadLine(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(" / ");
}

/** The commit measured, and whether the working tree had changes on top of it. */
export function codeVersion(): string {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() !== "";
    return `${commit}${dirty ? " + uncommitted changes in src/" : ""}`;
  } catch {
    return "unknown (no git)";
  }
}

export function printRows(concurrency: number, results: Results, reference: string): void {
  const base = results.get(reference)!;
  const rows = [...results].map(([label, s]) => [
    label,
    String(s.n),
    ms(s.ttftP50),
    ms(s.ttftP99),
    ratio(s.ttftP50, base.ttftP50),
    ms(s.totalP50),
    (s.n / (s.wallMs / 1000)).toFixed(0),
    s.selfCpuMsPerRequest.toFixed(2),
    s.runtimeRssBytes > 0 ? s.runtimeCpuMsPerRequest.toFixed(1) : "-",
    s.sessionsOpenedPerRequest === undefined ? "-" : s.sessionsOpenedPerRequest.toFixed(2),
    s.runtimeRssBytes > 0 ? mib(s.runtimeRssBytes) : "-",
    mib(s.selfRssBytes),
  ]);
  console.log("");
  console.log(`concurrency ${concurrency}:`);
  console.log(
    table(
      ["row", "n", "TTFT p50 ms", "TTFT p99 ms", "p50 / raw reused", "total p50 ms", "req/s", "cpu ms/req: bench proc", "runtime", "sessions/req", "runtime RSS", "proc RSS"],
      rows,
    ),
  );
}

export interface Target {
  what: string;
  /** The measured figure, as printed. */
  value: string;
  target: string;
  pass: boolean;
}

/** gateway − raw SDK at c=1 (≤ +1 ms p50), gateway / raw SDK at c=N (≤ 1.05×). */
export function overheadTargets(what: string, c1: [Summary, Summary], cN: [Summary, Summary], concurrency: number): Target[] {
  const diff = c1[0].ttftP50 - c1[1].ttftP50;
  const factor = cN[0].ttftP50 / cN[1].ttftP50;
  return [
    { what: `c=1  ${what}, TTFT p50 difference`, value: `${signedMs(diff)} ms`, target: "≤ +1 ms", pass: diff <= 1 },
    { what: `c=${concurrency} ${what}, TTFT p50`, value: `${factor.toFixed(3)}×`, target: "≤ 1.05×", pass: factor <= 1.05 },
  ];
}

export function ratioTarget(what: string, a: number, b: number, limit: number): Target {
  return { what, value: `${(a / b).toFixed(3)}×`, target: `≤ ${limit}×`, pass: a / b <= limit };
}

export function printTargets(targets: Target[]): void {
  console.log("");
  console.log("against the targets (ratios from this run; the bench reports, it does not fail):");
  console.log(
    table(
      ["ratio", "measured", "target", "verdict"],
      targets.map((t) => [t.what, t.value, t.target, t.pass ? "PASS" : "MISS"]),
    ),
  );
}

export function printPool(concurrency: number, one: Summary, many: Summary, processes: number, load: { start: string; end: string }): void {
  console.log("");
  console.log(`1 against ${processes} runtimes at c=${concurrency} (new conversations, default configuration), on ${cpus().length} cores; load average (1/5/15 min) ${load.start} at the start, ${load.end} at the end:`);
  const row = (label: string, s: Summary) => [
    label,
    String(s.n),
    ms(s.ttftP50),
    ms(s.ttftP99),
    (s.n / (s.wallMs / 1000)).toFixed(0),
    s.runtimeCpuMsPerRequest.toFixed(1),
    mib(s.runtimeRssBytes),
  ];
  console.log(
    table(
      ["runtimes", "n", "TTFT p50 ms", "TTFT p99 ms", "req/s", "runtime cpu ms/req", "runtime RSS"],
      [row("1", one), row(String(processes), many)],
    ),
  );
  console.log(`${processes} / 1: throughput ${ratio(many.n / many.wallMs, one.n / one.wallMs)}, TTFT p50 ${ratio(many.ttftP50, one.ttftP50)}, p99 ${ratio(many.ttftP99, one.ttftP99)}`);
}

/** The gateway's own share of TTFT at c=1: the target is under 1 ms. */
export function ownShareTarget(what: string, breakdown: Breakdown): Target {
  return { what: `c=1  gateway's own share of TTFT, ${what} (server side, instrumented)`, value: `${ms(breakdown.ownMs)} ms`, target: "< 1 ms", pass: breakdown.ownMs < 1 };
}

export interface RawReference {
  /** Raw SDK new session: createSession, then send → first delta. */
  newSession: { openSessionMs: number; toFirstDeltaMs: number };
  /** Raw SDK reused session: send → first delta. */
  reusedToFirstDeltaMs: number;
}

export function printBreakdown(cold: Breakdown, chat: Breakdown, raw: RawReference, sessions: { open: number; live: number }): void {
  console.log("");
  console.log(`where the gateway's TTFT goes (c=1, ${cold.n} instrumented requests per gateway row, medians; the raw SDK's from its c=1 rows):`);
  const none = "-";
  console.log(
    table(
      ["stage", "new conv., cold", "raw SDK new session", "continuing chat", "raw SDK reused session"],
      [
        ["HTTP: client → server's request event, first SSE write (with the response head) → client", ms(cold.httpMs), none, ms(chat.httpMs), none],
        ["gateway before the runtime: middleware, body, parse, model, access, ledger", ms(cold.beforeRuntimeMs), none, ms(chat.beforeRuntimeMs), none],
        ["runtime: open session (waiting for an open slot + createSession)", ms(cold.openSessionMs), ms(raw.newSession.openSessionMs), ms(chat.openSessionMs), none],
        ["runtime: send → first assistant.message_delta", ms(cold.toFirstDeltaMs), ms(raw.newSession.toFirstDeltaMs), ms(chat.toFirstDeltaMs), ms(raw.reusedToFirstDeltaMs)],
        ["gateway after it: event queue, SSE encoder, the response head", ms(cold.afterFirstDeltaMs), none, ms(chat.afterFirstDeltaMs), none],
        ["gateway's own share (before + after)", ms(cold.ownMs), none, ms(chat.ownMs), none],
        ["all but the runtime (HTTP + own share)", ms(cold.notRuntimeMs), none, ms(chat.notRuntimeMs), none],
        ["TTFT", ms(cold.ttftMs), ms(raw.newSession.openSessionMs + raw.newSession.toFirstDeltaMs), ms(chat.ttftMs), ms(raw.reusedToFirstDeltaMs)],
      ],
    ),
  );
  const coldRuntime = cold.openSessionMs + cold.toFirstDeltaMs - raw.newSession.openSessionMs - raw.newSession.toFirstDeltaMs;
  console.log(
    `the runtime part differs from the raw SDK's by ${signedMs(coldRuntime)} ms for a new conversation (that gateway's runtime then held ${sessions.open} sessions for its conversations, ${sessions.live} of them live; the raw SDK's none)` +
      ` and by ${signedMs(chat.toFirstDeltaMs - raw.reusedToFirstDeltaMs)} ms for a continuing chat.`,
  );
}

function signedMs(value: number): string {
  return `${value >= 0 ? "+" : ""}${ms(value)}`;
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(3)}×`;
}

/** The gateway's own work in a server-side tool call's round trip, measured on the server at c=1: the target is under 1 ms. */
export function toolShareTarget(roundTrip: ToolRoundTrip): Target {
  return { what: "c=1  gateway's own share of a server-side tool call's round trip (server side, instrumented)", value: `${ms(roundTrip.ownMs)} ms`, target: "< 1 ms", pass: roundTrip.ownMs < 1 };
}

/** The same echo call run on the server (one request) and by the client (two), per loop, and what the gateway did in the server's round trip. */
export function printToolCall(server: Summary, client: Summary, roundTrip: ToolRoundTrip): void {
  console.log("");
  console.log("a tool call run on the server against the same call run by the client (c=1, from the rows above; p50 ms from the loop's start):");
  console.log(
    table(
      ["loop", "n", "answer's first token", "loop total", "runtime cpu ms/loop"],
      [
        ["on the server: 1 request, the runtime runs everything-echo on server-everything", String(server.n), ms(server.ttftP50), ms(server.totalP50), server.runtimeCpuMsPerRequest.toFixed(1)],
        ["by the client: the call handed over, its result in a 2nd request on the same session", String(client.n), ms(client.ttftP50), ms(client.totalP50), client.runtimeCpuMsPerRequest.toFixed(1)],
      ],
    ),
  );
  console.log(`server / client loop total: ${ratio(server.totalP50, client.totalP50)}`);
  console.log(
    `the server's round trip (${roundTrip.n} instrumented requests, medians): the model's tool request → tool.execution_complete; the runtime ran the call (execution_start → complete) in ${ms(roundTrip.runMs)} ms;` +
      ` the gateway's own work in it (its session listeners on those events, audit record included, its permission handler, and the CPU of its handler running a shared server's tool) ${ms(roundTrip.ownMs)} ms,` +
      ` of which the permission handler ${ms(roundTrip.permissionMs)} ms (${roundTrip.permissionRequests} request(s) per call) and the tool handler ${ms(roundTrip.handlerCpuMs)} ms.`,
  );
}
