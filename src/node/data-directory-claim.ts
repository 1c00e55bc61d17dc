// A gateway that dies without stopping (kill -9, a crash, the machine going
// down) leaves its conversations' session state in the data directory:
// people's prompts, on disk for good. At start a gateway claims the data
// directory (an owner file with its pid and start time, removed when it
// stops) and removes the session state that no live gateway of this
// directory can own. Several gateways may share one data directory: a
// session is written after its gateway started, so state last changed before
// every other live owner's start belongs to none of them. What is newer is
// left for a later start to judge.
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isRunning } from "../storage/spool-files.js";

export interface DataDirectoryClaim {
  /** Session state directories removed at start. */
  removed: number;
  /** Left because a live gateway sharing the directory may own them. */
  kept: number;
  /** Removes this gateway's owner file: at a clean stop. */
  release(): Promise<void>;
}

interface OwnerRecord {
  pid: number;
  startedAt: number;
}

export async function claimDataDirectory(dataDir: string, now: number = Date.now()): Promise<DataDirectoryClaim> {
  const ownersDir = join(dataDir, "gateways");
  await mkdir(ownersDir, { recursive: true });
  const others = await liveOwners(ownersDir);
  const ownFile = join(ownersDir, `${process.pid}.json`);
  await writeFile(ownFile, JSON.stringify({ pid: process.pid, startedAt: now } satisfies OwnerRecord));
  // A session younger than the oldest live owner may be that owner's.
  const before = others.length === 0 ? Infinity : Math.min(...others.map((owner) => owner.startedAt));
  const { removed, kept } = await removeSessionState(join(dataDir, "session-state"), before);
  return { removed, kept, release: () => rm(ownFile, { force: true }) };
}

/** The owners whose process is alive; the files of dead ones are removed. */
async function liveOwners(ownersDir: string): Promise<OwnerRecord[]> {
  const live: OwnerRecord[] = [];
  for (const name of await readdir(ownersDir)) {
    const file = join(ownersDir, name);
    const owner = await readFile(file, "utf8").then(
      (text) => JSON.parse(text) as OwnerRecord,
      () => undefined,
    );
    if (owner && owner.pid !== process.pid && isRunning(owner.pid)) live.push(owner);
    else if (owner?.pid !== process.pid) await rm(file, { force: true });
  }
  return live;
}

async function removeSessionState(stateDir: string, before: number): Promise<{ removed: number; kept: number }> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  let removed = 0;
  let kept = 0;
  for (const name of names) {
    const dir = join(stateDir, name);
    const changed = await lastChange(dir);
    if (changed === undefined) continue;
    if (changed >= before) {
      kept++;
      continue;
    }
    await rm(dir, { recursive: true, force: true });
    removed++;
  }
  return { removed, kept };
}

/** The latest change of a session's directory or its event log, whichever is newer. */
async function lastChange(dir: string): Promise<number | undefined> {
  const directory = await stat(dir).catch(() => undefined);
  if (!directory?.isDirectory()) return undefined;
  const events = await stat(join(dir, "events.jsonl")).catch(() => undefined);
  return Math.max(directory.mtimeMs, events?.mtimeMs ?? 0);
}

