// The Copilot runtime processes this test process spawned (the SDK names its child copilot-runtime).
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";

export function runtimeChildren(): number[] {
  const out = spawnSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" }).stdout;
  return out
    .split("\n")
    .filter((line) => line.includes("copilot-runtim"))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

/** A process's resident memory now, in MB (Linux's /proc). */
export async function residentMb(pid: number): Promise<number> {
  return Number((await readFile(`/proc/${pid}/status`, "utf8")).match(/VmRSS:\s+(\d+)/)?.[1]) / 1024;
}
