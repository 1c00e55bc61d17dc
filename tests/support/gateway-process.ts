// The gateway as an operator runs it: a real process started from
// src/main.ts, configured by environment, stopped by signals.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";

export const ENTRY = ["--import", "tsx", "src/main.ts"];

export interface GatewayProcess {
  child: ChildProcess;
  baseUrl: string;
  startLine: string;
  exited: Promise<number | null>;
}

export interface GatewayProcessSetup {
  /** The scripted model's base URL (BYOK); without it, the Copilot path (give its settings in `env`). */
  upstreamUrl?: string;
  dataDir: string;
  env?: Record<string, string>;
}

export function startGatewayProcess({ upstreamUrl, dataDir, env = {} }: GatewayProcessSetup): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ENTRY, {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? tmpdir(),
      HOST: "127.0.0.1",
      PORT: "0",
      COPILOT_GATEWAY_DATA_DIR: dataDir,
      ...(upstreamUrl ? { COPILOT_PROVIDER_BASE_URL: upstreamUrl, COPILOT_PROVIDER_API_KEY: "provider-secret-value" } : {}),
      GATEWAY_SHUTDOWN_GRACE_SECONDS: "5",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (data: Buffer) => (stderr += data.toString()));
    child.stdout!.on("data", (data: Buffer) => {
      stdout += data.toString();
      const url = stdout.match(/listening on (http:\/\/[\d.]+:\d+)/)?.[1];
      if (url) resolve({ child, baseUrl: `${url}/v1`, startLine: stdout.trim().split("\n")[0]!, exited });
    });
    void exited.then((code) => reject(new Error(`gateway exited with ${code}: ${stdout}${stderr}`)));
  });
}

export function childPids(pid: number): number[] {
  const result = spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  return result.stdout.split("\n").map((line) => Number(line.trim())).filter((n) => n > 0);
}

export function isAlive(pid: number): boolean {
  const stat = spawnSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).stdout.trim();
  return stat !== "" && !stat.startsWith("Z");
}

export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}
