// The spool's files in `<data dir>/spool/`: one JSON line per record, in
// segments. A process appends to its own open segment (`….open`) and seals it
// (renames it `….jsonl`) within seconds; to write a sealed segment to the
// store it claims it by renaming it (`….flushing-<owner>`). Another process
// sharing the directory takes a segment only when its owner is gone, so no
// segment is taken while its owner appends to it or counts it as waiting, and
// no two processes write one at once. A segment whose owner died
// (a crash, `kill -9`) is taken as sealed: its owner is a process of this host
// that no longer runs, or it has not changed for longer than any live owner
// leaves it. Writing one twice is harmless: every insert of a spooled record
// is idempotent.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { readdir, rename, stat } from "node:fs/promises";
import { join } from "node:path";

/** Who this process is in file names: host, pid, and a token that tells it from an earlier process that had its pid. */
export interface SpoolOwner {
  host: string;
  pid: number;
  token: string;
}

export function thisProcess(): SpoolOwner {
  return { host: hostname().replace(/[^A-Za-z0-9_.]/g, "_"), pid: process.pid, token: randomBytes(4).toString("hex") };
}

/** Longer than a live owner ever leaves an open segment unchanged (it seals within seconds). */
export const ABANDONED_AFTER_MS = 120_000;

const NAME = /^(?<host>[A-Za-z0-9_.]+)-(?<pid>\d+)-(?<token>[0-9a-f]+)-(?<serial>\d+)\.(?<state>open|jsonl|flushing-(?<claimant>[A-Za-z0-9_.]+-\d+-[0-9a-f]+))$/;

export function segmentName(owner: SpoolOwner, serial: number, state: "open" | "jsonl"): string {
  return `${owner.host}-${owner.pid}-${owner.token}-${serial}.${state}`;
}

/** A sealed segment, taken by `owner` for writing to the store. */
export interface ClaimedSegment {
  path: string;
  /** The name it goes back to, should writing it fail. */
  sealedPath: string;
  bytes: number;
}

/**
 * Every segment there is to write: sealed ones, and open or claimed ones
 * whose owner is gone; each renamed as claimed by `owner`. A segment another
 * process renamed first is left to it.
 */
export async function claimSegments(dir: string, owner: SpoolOwner, now: number): Promise<ClaimedSegment[]> {
  const claimed: ClaimedSegment[] = [];
  for (const name of await listSpool(dir)) {
    const parsed = NAME.exec(name)?.groups;
    if (!parsed) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info) continue;
    // A segment is its writer's until sealed, then still its writer's to write to the store (it counts
    // it as waiting), and a claimant's once claimed; another process takes it only when that one is gone.
    const holder = ownerOf(parsed.claimant ?? `${parsed.host}-${parsed.pid}-${parsed.token}`);
    const own = parsed.state !== "open" && sameOwner(holder, owner);
    if (!own && !isGone(holder, owner, now - info.mtimeMs)) continue;
    const base = name.slice(0, name.lastIndexOf("."));
    const target = join(dir, `${base}.flushing-${owner.host}-${owner.pid}-${owner.token}`);
    const taken = await rename(path, target).then(
      () => true,
      () => false,
    );
    if (taken) claimed.push({ path: target, sealedPath: join(dir, `${base}.jsonl`), bytes: info.size });
  }
  return claimed;
}

/** Bytes of every segment in the directory, whoever holds it. */
export async function spoolBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await listSpool(dir)) {
    if (!NAME.test(name)) continue;
    total += (await stat(join(dir, name)).catch(() => undefined))?.size ?? 0;
  }
  return total;
}

async function listSpool(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

function ownerOf(text: string): SpoolOwner {
  const [host, pid, token] = text.split("-") as [string, string, string];
  return { host, pid: Number(pid), token };
}

function sameOwner(a: SpoolOwner, b: SpoolOwner): boolean {
  return a.host === b.host && a.pid === b.pid && a.token === b.token;
}

function isGone(holder: SpoolOwner, self: SpoolOwner, unchangedMs: number): boolean {
  if (holder.host === self.host && holder.pid === self.pid) return holder.token !== self.token;
  if (unchangedMs > ABANDONED_AFTER_MS) return true;
  return holder.host === self.host && !isRunning(holder.pid);
}

/** Whether a process of this host with this id runs (as any user). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
