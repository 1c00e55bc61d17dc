// The gateway as an operator runs it: a real process started from
// src/main.ts, configured by environment, stopped by signals. `close()` stops
// it and removes what the start made, whatever state the test left it in.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseOptions } from "../../src/storage/database.js";

export const ENTRY = ["--import", "tsx", "src/main.ts"];

export interface GatewayProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port>/v1 */
  baseUrl: string;
  /** http://127.0.0.1:<port>, where /admin, /readyz and the console are. */
  origin: string;
  startLine: string;
  /** Everything the process wrote to stderr so far, from its first line on. */
  stderr(): string;
  exited: Promise<number | null>;
  /**
   * SIGTERM unless it has exited already, then waits for the exit and removes
   * the data directory the start made (never the database's). Safe to call again.
   */
  close(): Promise<void>;
}

export interface GatewayProcessSetup {
  /** The scripted model's base URL (BYOK); without it, the Copilot path (give its settings in `env`). */
  upstreamUrl?: string;
  /**
   * A database the test owns (and may share between processes): PostgreSQL
   * by DATABASE_URL, SQLite as the data directory it is the file of. Absent:
   * an SQLite file in a data directory of the process's own.
   */
  database?: DatabaseOptions;
  env?: Record<string, string>;
}

export async function startGatewayProcess({ upstreamUrl, database, env = {} }: GatewayProcessSetup = {}): Promise<GatewayProcess> {
  const sharedDataDir = database && !database.databaseUrl ? database.dataDir : undefined;
  const ownDataDir = sharedDataDir === undefined ? await mkdtemp(join(tmpdir(), "cgw-proc-")) : undefined;
  const dataDir = sharedDataDir ?? ownDataDir!;
  const removeOwnDataDir = () => (ownDataDir ? rm(ownDataDir, { recursive: true, force: true }) : Promise.resolve());
  const child = spawn(process.execPath, ENTRY, {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? tmpdir(),
      HOST: "127.0.0.1",
      PORT: "0",
      COPILOT_GATEWAY_DATA_DIR: dataDir,
      ...(upstreamUrl ? { COPILOT_PROVIDER_BASE_URL: upstreamUrl, COPILOT_PROVIDER_API_KEY: "provider-secret-value" } : {}),
      GATEWAY_SHUTDOWN_GRACE_SECONDS: "5",
      ...(database?.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (data: Buffer) => (stderr += data.toString()));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (data: Buffer) => {
      stdout += data.toString();
      const origin = stdout.match(/listening on (http:\/\/[\d.]+:\d+)/)?.[1];
      if (origin) resolve(origin);
    });
    void exited.then((code) => reject(new Error(`gateway exited with ${code}: ${stdout}${stderr}`)));
  });
  let origin: string;
  try {
    origin = await listening;
  } catch (error) {
    await removeOwnDataDir();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    child,
    baseUrl: `${origin}/v1`,
    origin,
    startLine: stdout.trim().split("\n")[0]!,
    stderr: () => stderr,
    exited,
    close() {
      closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
        await removeOwnDataDir();
      })();
      return closing;
    },
  };
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
