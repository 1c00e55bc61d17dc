// The database host: a PostgreSQL cluster of the topology's own (initdb in a
// temp dir, run as the postgres user), listening on the host's addresses in
// its namespace. The machine's shared cluster on 127.0.0.1:5432 is never
// touched. Passwords are checked (scram), as a real deployment's would be.
import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, appendFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { postgresBinaries } from "../support/private-postgres.js";
import { startInNamespace, type HostProcess } from "./host-process.js";
import { PREFIX, type Host } from "./network.js";

const SUPERUSER_PASSWORD = "topology-superuser";
const GATEWAY_USER = "gateway";
const GATEWAY_PASSWORD = "topology-gateway";
const DATABASE = "gateway";

export interface PostgresHost {
  /** The gateway's DATABASE_URL, reaching the server at `address`. */
  urlAt(address: string): string;
  /** Runs one statement as the gateway's user, from the root namespace over the bridge. */
  query<T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}


/** `setpriv` execs as the user without the fork `runuser` makes, so signals reach the server itself. */
const asPostgres = (command: string[]) => ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", ...command];

export async function startPostgres(host: Host, listenOn: string[]): Promise<PostgresHost> {
  const found = postgresBinaries();
  if ("missing" in found) throw new Error(found.missing);
  const { bin } = found;
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}pg-`));
  chownSync(dir, uid("postgres"), gid("postgres"));
  const data = join(dir, "data");
  const passwordFile = join(dir, "superuser-password");
  writeFileSync(passwordFile, SUPERUSER_PASSWORD);
  chownSync(passwordFile, uid("postgres"), gid("postgres"));
  const [program, ...args] = asPostgres([join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${passwordFile}`, "--no-sync", "-E", "UTF8"]);
  execFileSync(program!, args, { stdio: "pipe" });
  appendFileSync(join(data, "pg_hba.conf"), "host all all 10.213.0.0/16 scram-sha-256\n");
  const server: HostProcess = startInNamespace(
    host.namespace,
    asPostgres([
      join(bin, "postgres"),
      "-D",
      data,
      "-c",
      `listen_addresses=${listenOn.join(",")}`,
      "-c",
      "port=5432",
      "-c",
      `unix_socket_directories=${dir}`,
      // A test cluster: durability is not what is tested, the time is better spent elsewhere.
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
    ]),
  );
  await server.waitFor(/database system is ready to accept connections/, 30_000);
  const superuser = new pg.Client({ host: host.address, port: 5432, user: "postgres", password: SUPERUSER_PASSWORD, database: "postgres" });
  await superuser.connect();
  try {
    await superuser.query(`CREATE ROLE ${GATEWAY_USER} LOGIN PASSWORD '${GATEWAY_PASSWORD}'`);
    await superuser.query(`CREATE DATABASE ${DATABASE} OWNER ${GATEWAY_USER}`);
  } finally {
    await superuser.end();
  }
  const pool = new pg.Pool({ host: host.address, port: 5432, user: GATEWAY_USER, password: GATEWAY_PASSWORD, database: DATABASE, max: 2 });
  pool.on("error", () => undefined);
  return {
    urlAt: (address) => `postgres://${GATEWAY_USER}:${GATEWAY_PASSWORD}@${address}:5432/${DATABASE}`,
    query: async (text, values) => (await pool.query(text, values)).rows,
    async stop() {
      await pool.end();
      // SIGINT: PostgreSQL's fast shutdown.
      await server.stop("SIGINT");
    },
  };
}

function uid(user: string): number {
  return Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
}

function gid(user: string): number {
  return Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
}
