// A throw-away PostgreSQL server of the test's own, for tests that stop and
// start their database: Debian's binaries (`/usr/lib/postgresql/<version>/bin`,
// which `.ci/run` installs), a cluster made with initdb in a temp directory,
// listening on a free port of 127.0.0.1. Never the shared server on 5432, which
// other tests use at the same time. As root, the cluster runs as the
// `postgres` user (initdb refuses root). `dispose()` stops it and removes it.
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication: no password). */
  url: string;
  port: number;
  /** Stops the server at once (`pg_ctl stop -m immediate`): connections drop as in a crash or a cut link. */
  stop(): void;
  start(): void;
  /** Stops the server if running and removes its directory. Safe to call again. */
  dispose(): void;
}

const PG_ROOT = "/usr/lib/postgresql";

/** The newest installed server's bin directory, or why there is none (the test says so when it skips). */
export function postgresBinaries(): { bin: string } | { missing: string } {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).filter((version) => existsSync(join(PG_ROOT, version, "bin", "initdb"))) : [];
  const newest = versions.sort((a, b) => Number(a) - Number(b)).at(-1);
  if (newest === undefined) return { missing: `no PostgreSQL server binaries under ${PG_ROOT} (Debian's postgresql package; .ci/run installs it)` };
  return { bin: join(PG_ROOT, newest, "bin") };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const found = postgresBinaries();
  if ("missing" in found) throw new Error(found.missing);
  const { bin } = found;
  const dir = mkdtempSync(join(tmpdir(), "cgw-pg-"));
  const data = join(dir, "data");
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? postgresUser() : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const run = (command: string, args: string[]) => {
    const [file, argv] = owner ? ["runuser", ["-u", "postgres", "--", join(bin, command), ...args]] : [join(bin, command), args];
    execFileSync(file, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
  };
  const port = await freePort();
  try {
    run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // Sockets in the cluster's own directory: nothing of the machine's /var/run/postgresql is touched.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  let running = false;
  const server: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start() {
      if (running) return;
      run("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "-t", "30", "start"]);
      running = true;
    },
    stop() {
      if (!running) return;
      run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      running = false;
    },
    dispose() {
      try {
        server.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return server;
}

function postgresUser(): { uid: number; gid: number } {
  const result = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (result.status !== 0 || gid.status !== 0) throw new Error("running as root, and there is no postgres user to run initdb as (Debian's postgresql package makes one)");
  return { uid: Number(result.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** A port nothing listens on now (the kernel's pick, released at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
