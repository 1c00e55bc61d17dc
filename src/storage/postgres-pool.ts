// PostgreSQL connections for Kysely that give up on a database gone silent.
// A link cut without a reset (a partition, a dead host, a firewall dropping
// packets) leaves a query already sent waiting for an answer that TCP takes
// many minutes to give up on, and the request behind it waits as long. So
// every query has a deadline (pg's `query_timeout`, which fails it with
// "Query read timeout", an outage to the supervisor), and a connection whose
// query failed so is thrown away rather than handed to the next request: its
// socket still waits for that answer, and the next query would queue behind it.
import type { Pool, PoolClient } from "pg";
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";
import { isOutageError } from "./store-errors.js";

export function postgresPool(pg: typeof import("pg").default, url: string, queryTimeoutMs: number): PostgresPool {
  // A connection that cannot be made in 5 s is an outage, not a request hanging until TCP gives up.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000, keepAlive: true, query_timeout: queryTimeoutMs });
  // An idle client's error (the server restarted) must not end the process; the pool replaces it.
  pool.on("error", () => undefined);
  // Nor may a client's in use: pg emits "error" on a client whose server goes away
  // mid-query (besides failing the query), and the pool listens only while it is
  // idle, so a server stopped under a query ended the process. The query's own
  // failure is what counts; the pool drops the client when it comes back.
  pool.on("connect", (client) => client.on("error", () => undefined));
  return new DroppingLostConnections(pool);
}

class DroppingLostConnections implements PostgresPool {
  constructor(private readonly pool: Pool) {}

  async connect(): Promise<PostgresPoolClient> {
    return new WatchedClient(await this.pool.connect());
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

class WatchedClient implements PostgresPoolClient {
  /** Why this connection may not be used again: a query on it timed out or its link failed. */
  private lost: Error | undefined;

  constructor(private readonly client: PoolClient) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sql: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // Kysely streams through a cursor only when given one, and the gateway gives none.
    if (typeof sql !== "string") throw new Error("the gateway's PostgreSQL connections take no cursors");
    return this.client.query(sql, [...(parameters ?? [])]).then(
      (result) => result as unknown as PostgresQueryResult<R>,
      (error: unknown) => {
        if (isOutageError(error)) this.lost = error as Error;
        throw error;
      },
    );
  }

  release(destroy?: boolean): void {
    // pg-pool closes and forgets a client released with an error.
    this.client.release(this.lost ?? destroy);
  }
}
