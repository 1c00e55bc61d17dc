// The topology's network: one bridge in the root namespace, a network
// namespace per host with a veth on the bridge, and a point-to-point link
// from each replica's host to the database's, so one replica's path to
// PostgreSQL can go down while everything else stays up. Every name starts
// with `cgwt-`; `removeLeftovers` tears down whatever a crashed run left.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const PREFIX = "cgwt-";
const BRIDGE = `${PREFIX}br`;
/** Every address the topology uses lies in it; nothing in it is routed off this machine. */
const RANGE = "10.213.0.0/16";
const BRIDGE_SUBNET = "10.213.0";
/** Where the test itself (and the scripted model) sits: the bridge's own address. */
export const ROOT_ADDRESS = `${BRIDGE_SUBNET}.1`;
/** Held while a run owns the topology's names, so a second run fails instead of tearing down the first. */
const LOCK_FILE = join(tmpdir(), "cgwt.lock");

export interface Host {
  name: string;
  namespace: string;
  /** Its address on the bridge. */
  address: string;
}

/** A replica's private link to the database host: `down()` cuts that replica from PostgreSQL, and only it. */
export interface DatabaseLink {
  /** The database's address on this link: the replica's DATABASE_URL host. */
  databaseAddress: string;
  down(): void;
  up(): void;
}

export function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Whether this machine can build the topology: root, and `ip netns add` works. Undefined when it can, else why not. */
export function cannotBuildTopology(): string | undefined {
  if (process.getuid?.() !== 0) return "the topology needs root (network namespaces)";
  const probe = `${PREFIX}probe-${process.pid}`;
  const made = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (made.status !== 0) return `\`ip netns add\` fails here: ${(made.stderr || made.error?.message || "").trim()}`;
  spawnSync("ip", ["netns", "del", probe]);
  return undefined;
}

/** Takes the run lock; a live holder is another run, a dead one's leftovers are removed. */
export function claimTopology(): void {
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(LOCK_FILE, "utf8"));
  } catch {
    // no run holds it
  }
  if (holder && holder !== process.pid && processAlive(holder)) throw new Error(`another topology run (pid ${holder}) holds ${LOCK_FILE}`);
  removeLeftovers();
  writeFileSync(LOCK_FILE, String(process.pid));
}

export function releaseTopology(): void {
  removeLeftovers();
  rmSync(LOCK_FILE, { force: true });
}

/**
 * Every `cgwt-` namespace (its processes killed first: a namespace whose
 * processes live on is only unnamed, not gone), link, route and temp dir.
 */
export function removeLeftovers(): void {
  const namespaces = ip("netns", "list")
    .split("\n")
    .map((line) => line.split(" ")[0]!)
    .filter((name) => name.startsWith(PREFIX));
  for (const namespace of namespaces) killAllIn(namespace);
  for (const namespace of namespaces) spawnSync("ip", ["netns", "del", namespace]);
  const links = ip("-o", "link", "show")
    .split("\n")
    .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1])
    .filter((name): name is string => name?.startsWith(PREFIX) ?? false);
  for (const link of links) spawnSync("ip", ["link", "del", link]);
  spawnSync("ip", ["route", "del", "unreachable", RANGE]);
  for (const entry of readdirSync(tmpdir())) if (entry.startsWith(PREFIX)) rmSync(join(tmpdir(), entry), { recursive: true, force: true });
}

/** SIGKILLs every process in a namespace and waits until none is left. */
export function killAllIn(namespace: string): void {
  for (let attempt = 0; attempt < 50; attempt++) {
    const pids = spawnSync("ip", ["netns", "pids", namespace], { encoding: "utf8" })
      .stdout.split("\n")
      .map(Number)
      .filter((pid) => pid > 0);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    spawnSync("sleep", ["0.1"]);
  }
  throw new Error(`processes in ${namespace} outlived SIGKILL`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The bridge, with the root namespace's address on it. */
export function createBridge(): void {
  ip("link", "add", BRIDGE, "type", "bridge");
  ip("addr", "add", `${ROOT_ADDRESS}/24`, "dev", BRIDGE);
  ip("link", "set", BRIDGE, "up");
  // Should the bridge go while a request is in flight, the topology's addresses are unreachable rather than sent out the default route.
  ip("route", "add", "unreachable", RANGE, "metric", "4242");
}

/** A namespace with loopback up (the embedded runtime reaches its gateway there) and a leg on the bridge. */
export function createHost(name: string, octet: number): Host {
  const namespace = `${PREFIX}${name}`;
  const address = `${BRIDGE_SUBNET}.${octet}`;
  ip("netns", "add", namespace);
  ip("-n", namespace, "link", "set", "lo", "up");
  ip("link", "add", namespace, "type", "veth", "peer", "name", "eth0", "netns", namespace);
  ip("link", "set", namespace, "master", BRIDGE);
  ip("link", "set", namespace, "up");
  ip("-n", namespace, "addr", "add", `${address}/24`, "dev", "eth0");
  ip("-n", namespace, "link", "set", "eth0", "up");
  return { name, namespace, address };
}

/**
 * A veth between a replica's host and the database's host, on its own /30
 * (10.213.<n>.0). It goes down at the database's end, as a cable pulled
 * there would: the replica's packets to PostgreSQL vanish, its other traffic
 * does not.
 */
export function linkToDatabase(replica: Host, database: Host, n: number): DatabaseLink {
  const replicaEnd = "db";
  const databaseEnd = replica.name;
  const databaseAddress = `10.213.${n}.1`;
  ip("link", "add", replicaEnd, "netns", replica.namespace, "type", "veth", "peer", "name", databaseEnd, "netns", database.namespace);
  ip("-n", replica.namespace, "addr", "add", `10.213.${n}.2/30`, "dev", replicaEnd);
  ip("-n", database.namespace, "addr", "add", `${databaseAddress}/30`, "dev", databaseEnd);
  ip("-n", replica.namespace, "link", "set", replicaEnd, "up");
  ip("-n", database.namespace, "link", "set", databaseEnd, "up");
  return {
    databaseAddress,
    down: () => void ip("-n", database.namespace, "link", "set", databaseEnd, "down"),
    up: () => void ip("-n", database.namespace, "link", "set", databaseEnd, "up"),
  };
}
