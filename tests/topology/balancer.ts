// The balancer host: Debian's HAProxy running deploy/haproxy/haproxy.cfg as
// shipped, the replicas' addresses given by environment, and its runtime API
// on a socket in a temp dir, which the test reads to know when HAProxy has
// seen a replica leave or come back.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startInNamespace, type HostProcess } from "./host-process.js";
import { PREFIX, type Host } from "./network.js";

export const HAPROXY_CONFIG = new URL("../../deploy/haproxy/haproxy.cfg", import.meta.url).pathname;
const LISTEN_PORT = 8080;

/** Undefined when HAProxy is installed, else why it is not usable. */
export function haproxyMissing(): string | undefined {
  const version = spawnSync("haproxy", ["-v"], { encoding: "utf8" });
  return version.status === 0 ? undefined : "haproxy is not installed (apt-get install haproxy)";
}

export interface Balancer {
  /** http://<balancer>:8080, where clients send everything. */
  origin: string;
  /** HAProxy's view of each server: UP, DOWN, or on its way (`UP 1/2`, `DOWN 1/2`). */
  serverStatus(): Promise<Map<string, string>>;
  waitForStatus(server: string, status: "UP" | "DOWN", timeoutMs: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/** `servers`: HAProxy server name (the config's `gateway-N`) → the replica's host:port. */
export async function startBalancer(host: Host, servers: string[]): Promise<Balancer> {
  const socket = join(mkdtempSync(join(tmpdir(), `${PREFIX}lb-`)), "admin.sock");
  const serverEnv = Object.fromEntries(servers.map((address, i) => [`GATEWAY_${i + 1}`, address]));
  const haproxy: HostProcess = startInNamespace(host.namespace, ["haproxy", "-db", "-f", HAPROXY_CONFIG], {
    env: { PATH: process.env.PATH ?? "", GATEWAY_LISTEN: `${host.address}:${LISTEN_PORT}`, HAPROXY_ADMIN_SOCKET: socket, ...serverEnv },
  });
  const serverStatus = async () => {
    const csv = await adminCommand(socket, "show stat");
    const [header, ...rows] = csv.trim().split("\n");
    const columns = header!.replace(/^# /, "").split(",");
    const [proxy, name, status] = ["pxname", "svname", "status"].map((column) => columns.indexOf(column));
    return new Map(
      rows
        .map((row) => row.split(","))
        .filter((fields) => fields[proxy!] === "gateways" && !["FRONTEND", "BACKEND"].includes(fields[name!]!))
        .map((fields) => [fields[name!]!, fields[status!]!]),
    );
  };
  const balancer: Balancer = {
    origin: `http://${host.address}:${LISTEN_PORT}`,
    serverStatus,
    async waitForStatus(server, wanted, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let seen: string | undefined;
      while (Date.now() < deadline) {
        seen = (await serverStatus().catch(() => undefined))?.get(server);
        if (seen === wanted) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`HAProxy never saw ${server} ${wanted} within ${timeoutMs} ms (last: ${seen})\n${haproxy.output().slice(-3000)}`);
    },
    output: haproxy.output,
    async stop() {
      // SIGUSR1 is HAProxy's soft stop; SIGTERM its hard one, which is what a test's end wants.
      await haproxy.stop("SIGTERM");
    },
  };
  const started = Date.now();
  for (;;) {
    if ((await serverStatus().catch(() => undefined))?.size === servers.length) break;
    if (haproxy.child.exitCode !== null || Date.now() - started > 15_000) throw new Error(`HAProxy did not start:\n${haproxy.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return balancer;
}

/** One command on HAProxy's runtime API; the answer is what it writes before closing. */
function adminCommand(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = "";
    const connection = createConnection({ path }, () => connection.write(`${command}\n`));
    connection.setEncoding("utf8");
    connection.on("data", (data: string) => (answer += data));
    connection.on("end", () => resolve(answer));
    connection.on("error", reject);
  });
}
