// The Copilot runtime processes this test process spawned (the SDK names its child copilot-runtime).
import { spawnSync } from "node:child_process";

export function runtimeChildren(): number[] {
  const out = spawnSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" }).stdout;
  return out
    .split("\n")
    .filter((line) => line.includes("copilot-runtim"))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}
