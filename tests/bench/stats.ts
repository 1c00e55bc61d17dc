// Percentiles, the result table, and process CPU time and memory for `npm run bench`.
import { readdirSync, readFileSync } from "node:fs";

/** One measured request, in milliseconds from the moment it was started. */
export interface Sample {
  ttftMs: number;
  totalMs: number;
  /** Raw SDK new session only: createSession, the part of TTFT spent opening the session. */
  openMs?: number;
}

export interface Measurement {
  samples: Sample[];
  /** Sum of the wall time of every measured block (not the warm-ups). */
  wallMs: number;
  /** CPU time of this process (gateway app, upstream, raw SDK client, load generator) in the measured blocks. */
  selfCpuMs: number;
  /** CPU time of the Copilot runtime process(es) serving the path, in the measured blocks. */
  runtimeCpuMs: number;
  /** After the path's last measured block: its runtime processes' resident memory, and this process's. */
  runtimeRssBytes: number;
  selfRssBytes: number;
  /** Sessions the gateway opened in the measured blocks (undefined without a gateway). */
  sessionsOpened?: number;
}

export interface Summary {
  n: number;
  ttftP50: number;
  ttftP99: number;
  totalP50: number;
  totalP99: number;
  wallMs: number;
  selfCpuMsPerRequest: number;
  runtimeCpuMsPerRequest: number;
  runtimeRssBytes: number;
  selfRssBytes: number;
  sessionsOpenedPerRequest?: number;
}

/** Nearest-rank percentile: p99 of 100 samples is the 99th smallest. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function summarize(measurement: Measurement): Summary {
  const ttft = measurement.samples.map((s) => s.ttftMs);
  const total = measurement.samples.map((s) => s.totalMs);
  return {
    n: measurement.samples.length,
    ttftP50: percentile(ttft, 50),
    ttftP99: percentile(ttft, 99),
    totalP50: percentile(total, 50),
    totalP99: percentile(total, 99),
    wallMs: measurement.wallMs,
    selfCpuMsPerRequest: measurement.selfCpuMs / measurement.samples.length,
    runtimeCpuMsPerRequest: measurement.runtimeCpuMs / measurement.samples.length,
    runtimeRssBytes: measurement.runtimeRssBytes,
    selfRssBytes: measurement.selfRssBytes,
    ...(measurement.sessionsOpened === undefined ? {} : { sessionsOpenedPerRequest: measurement.sessionsOpened / measurement.samples.length }),
  };
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export const ms = (value: number): string => value.toFixed(2);

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

export interface ChildProcessInfo {
  pid: number;
  rssBytes: number;
  command: string;
}

/** Processes whose parent is this one (the spawned Copilot runtimes); Linux /proc only, [] elsewhere. */
export function childProcesses(): ChildProcessInfo[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children: ChildProcessInfo[] = [];
  for (const name of entries) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Fields after the parenthesised command name: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== process.pid) continue;
      const command = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean);
      const program = command[0]?.split("/").at(-1) ?? "?";
      children.push({ pid: Number(name), rssBytes: residentBytes(Number(name)), command: [program, ...command.slice(1)].join(" ") });
    } catch {
      // The process ended while we read it.
    }
  }
  return children;
}

/** A process's resident memory now (Linux /proc); 0 when unknown. */
export function residentBytes(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * User + system CPU time of a process so far, with that of its reaped children
 * (the runtime runs `git rev-parse` and helpers per session), in ms. Linux
 * /proc, clock ticks assumed 100 Hz; 0 when unknown.
 */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // After the parenthesised command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}

/**
 * CPU time so far of every process outside this one and its children (kernel
 * threads left out), by pid: what else ran on the machine during the bench.
 * A process tree that came and went meanwhile is counted at its parent, which
 * inherits the CPU time of the children it reaps. Linux /proc; empty elsewhere.
 */
export function otherProcessesCpuMs(): Map<number, number> {
  const cpu = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return cpu;
  }
  for (const name of entries) {
    const pid = Number(name);
    if (pid === process.pid || pid === 2) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid || ppid === 2) continue;
      cpu.set(pid, processCpuMs(pid));
    } catch {
      // The process ended while we read it.
    }
  }
  return cpu;
}

/** CPU time the other processes used between two snapshots, in ms. */
export function otherCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += Math.max(0, ms - (before.get(pid) ?? 0));
  return total;
}
