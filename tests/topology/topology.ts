// The whole topology, as an operator would lay it out on four machines:
//
//   test client, scripted model (root namespace, 10.213.0.1)
//        │ bridge cgwt-br 10.213.0.0/24
//        ├── lb   10.213.0.20  HAProxy :8080 (deploy/haproxy/haproxy.cfg)
//        ├── gw1  10.213.0.11  gateway :3000 + its runtime ──┐ 10.213.1.0/30
//        ├── gw2  10.213.0.12  gateway :3000 + its runtime ──┤ 10.213.2.0/30
//        └── db   10.213.0.10  PostgreSQL :5432 ─────────────┘ (one link per replica)
//
// The replicas reach PostgreSQL only over their own link, so one replica's
// database can be cut off while the other's is not.
import { ScriptedUpstream } from "../support/upstream.js";
import { startBalancer, type Balancer } from "./balancer.js";
import { claimTopology, createBridge, createHost, linkToDatabase, releaseTopology, ROOT_ADDRESS, type DatabaseLink } from "./network.js";
import { startPostgres, type PostgresHost } from "./postgres-host.js";
import { GATEWAY_PORT, Replica } from "./replica.js";

export const ADMIN_KEY = "topology-admin-key";
export const MODEL = "test-model";

export interface Topology {
  upstream: ScriptedUpstream;
  database: PostgresHost;
  replicas: [Replica, Replica];
  /** Each replica's link to the database, in the replicas' order. */
  databaseLinks: [DatabaseLink, DatabaseLink];
  balancer: Balancer;
  /** Stops everything and removes every namespace, link and temp dir. */
  close(): Promise<void>;
}

export async function startTopology(replicaEnv: Record<string, string> = {}): Promise<Topology> {
  claimTopology();
  const stops: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    releaseTopology();
  };
  try {
    createBridge();
    const upstream = await new ScriptedUpstream([MODEL]).start(ROOT_ADDRESS);
    stops.push(() => upstream.stop());
    const dbHost = createHost("db", 10);
    const hosts = [createHost("gw1", 11), createHost("gw2", 12)] as const;
    const links = hosts.map((host, i) => linkToDatabase(host, dbHost, i + 1)) as [DatabaseLink, DatabaseLink];
    const lbHost = createHost("lb", 20);
    const database = await startPostgres(dbHost, [dbHost.address, ...links.map((link) => link.databaseAddress)]);
    stops.push(() => database.stop());
    const replicas = hosts.map(
      (host, i) => new Replica({ host, databaseUrl: database.urlAt(links[i]!.databaseAddress), upstreamUrl: upstream.baseUrl, adminKey: ADMIN_KEY, env: replicaEnv }),
    ) as [Replica, Replica];
    // Started together, as an orchestrator would: the migrations take PostgreSQL's lock, one waits for the other.
    stops.push(() => replicas[0].kill(), () => replicas[1].kill());
    await Promise.all(replicas.map((replica) => replica.start()));
    const balancer = await startBalancer(
      lbHost,
      hosts.map((host) => `${host.address}:${GATEWAY_PORT}`),
    );
    stops.push(() => balancer.stop());
    for (const server of ["gateway-1", "gateway-2"]) await balancer.waitForStatus(server, "UP", 15_000);
    return { upstream, database, replicas, databaseLinks: links, balancer, close };
  } catch (error) {
    await close();
    throw error;
  }
}
