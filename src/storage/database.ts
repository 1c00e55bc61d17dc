// Opens the gateway's database and brings its schema up to date: an embedded
// SQLite file under the data directory by default, so a plain `npm start`
// needs nothing else; PostgreSQL when a URL is given, for several gateway
// processes sharing one store. Both behind one Kysely instance, so the rest of
// the code writes its queries once.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Kysely, Migrator, SqliteDialect, sql, type Dialect } from "kysely";
import type { Logger } from "../core/logger.js";
import { isStoreUnavailable } from "../core/store-outage.js";
import type { StoreMetrics } from "../observability/store-metrics.js";
import { migrationProvider } from "./migrations/index.js";
import { DropTolerantPostgresDialect } from "./postgres-introspector.js";
import { postgresPool } from "./postgres-pool.js";
import type { DatabaseSchema } from "./schema.js";
import { supervisedDialect } from "./supervised-dialect.js";
import { StoreSupervisor } from "./store-supervisor.js";

export interface DatabaseOptions {
  /** The gateway's data directory: the SQLite file is `<dataDir>/gateway.sqlite`. */
  dataDir: string;
  /** A `postgres://` URL: use PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  /** PostgreSQL: a query not answered in this long fails as an outage (the link went silent). */
  queryTimeoutMs?: number;
}

const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

export interface GatewayDatabase {
  db: Kysely<DatabaseSchema>;
  kind: "sqlite" | "postgres";
  /** Where it is, without secrets: the SQLite file, or the PostgreSQL host and database. */
  description: string;
  close(): Promise<void>;
}

export const SQLITE_FILE = "gateway.sqlite";

export async function openDatabase(options: DatabaseOptions): Promise<GatewayDatabase> {
  const { dialect, kind, description } = await driverFor(options);
  const db = new Kysely<DatabaseSchema>({ dialect });
  try {
    await migrateFor(kind, db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, kind, description, close: () => db.destroy() };
}

export interface SupervisionOptions {
  logger: Logger;
  metrics?: StoreMetrics;
  /** Between probes while the store is out (default 1 s). */
  probeIntervalMs?: number;
}

/** The database with its supervisor (store-supervisor.ts), as the server runs it. */
export interface SupervisedDatabase extends GatewayDatabase {
  supervisor: StoreSupervisor;
}

/**
 * The database as the server opens it: every query watched by a supervisor.
 * A store that is out at start (PostgreSQL not answering, SQLite's disk
 * failing) does not stop the start: the process serves what it can without
 * it, and the supervisor's probe applies the migrations when it returns.
 * Anything else (a refused password, a migration that fails) still does.
 */
export async function openSupervisedDatabase(options: DatabaseOptions, supervision: SupervisionOptions): Promise<SupervisedDatabase> {
  const { dialect, kind, description } = await driverFor(options);
  let migrated = false;
  const supervisor = new StoreSupervisor({
    kind,
    logger: supervision.logger,
    ...(supervision.metrics ? { metrics: supervision.metrics } : {}),
    ...(supervision.probeIntervalMs ? { probeIntervalMs: supervision.probeIntervalMs } : {}),
    probe: async () => {
      if (!migrated) await migrateFor(kind, db);
      migrated = true;
      await probe(kind, db);
    },
  });
  const db: Kysely<DatabaseSchema> = new Kysely<DatabaseSchema>({ dialect: supervisedDialect(dialect, supervisor) });
  try {
    await migrateFor(kind, db);
    migrated = true;
  } catch (error) {
    if (supervisor.outageSince() === undefined) {
      await db.destroy();
      throw error;
    }
    supervision.logger.error("the database is unavailable at start: serving what can be served until it answers", { database: description, reason: supervisor.outageReason() });
  }
  return {
    db,
    kind,
    description,
    supervisor,
    close: async () => {
      supervisor.stop();
      await db.destroy();
    },
  };
}

function driverFor(options: DatabaseOptions): Promise<{ dialect: Dialect; kind: "sqlite" | "postgres"; description: string }> {
  return options.databaseUrl ? postgres(options.databaseUrl, options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS) : sqlite(options.dataDir);
}

function migrateFor(kind: "sqlite" | "postgres", db: Kysely<DatabaseSchema>): Promise<void> {
  return kind === "sqlite" ? migrateSharedFile(db) : currentSchema(db).then((schema) => migrate(db, schema));
}

/**
 * Whether the store can be used: a read, and on SQLite a write that reaches
 * the disk (setting user_version to what it is writes the header page; a
 * full disk still reads, but refuses this as it refuses every other write).
 */
async function probe(kind: "sqlite" | "postgres", db: Kysely<DatabaseSchema>): Promise<void> {
  if (kind === "postgres") {
    await sql`select 1`.execute(db);
    return;
  }
  const { rows } = await sql<{ user_version: number }>`pragma user_version`.execute(db);
  await sql.raw(`pragma user_version = ${Math.trunc(Number(rows[0]?.user_version ?? 0))}`).execute(db);
}

/**
 * Applies every migration not yet applied. Kysely's migrator takes a lock, so
 * processes starting together apply each once. `schema` (PostgreSQL) names
 * where its bookkeeping tables live: without it the migrator takes another
 * schema's `kysely_migration_lock` (any app on the server using Kysely) for
 * ours, skips creating ours, and then fails on it.
 */
export async function migrate(db: Kysely<DatabaseSchema>, schema?: string): Promise<void> {
  // Unordered: migrations written on branches side by side (0006 and 0007) may reach a database in either order.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((result) => result.status === "Error")?.migrationName;
  const reason = error instanceof Error ? error.message : String(error);
  throw new Error(failed ? `migration ${failed} failed: ${reason}` : `migrations failed: ${reason}`, { cause: error });
}

/** The schema unqualified names resolve to (the first of the search_path that exists). */
async function currentSchema(db: Kysely<DatabaseSchema>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error("the database user has no schema to create tables in (search_path names none that exists)");
  return schema;
}

/**
 * On SQLite, Kysely's migrator takes no lock across processes: two processes
 * starting together on one file both find a migration unapplied, and the
 * slower one fails on the table the other created. Its work rolled back or
 * never started, so it tries again, and then finds the migration applied.
 */
async function migrateSharedFile(db: Kysely<DatabaseSchema>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate(db);
    } catch (error) {
      // Another process's migration is not why a store that is out fails: no use trying again now.
      if (attempt >= 10 || isStoreUnavailable((error as Error).cause)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

// The drivers are loaded only when used: a PostgreSQL deployment never loads the native SQLite module.
async function sqlite(dataDir: string): Promise<{ dialect: Dialect; kind: "sqlite"; description: string }> {
  const { default: SQLite } = await import("better-sqlite3");
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, SQLITE_FILE);
  // Several processes on one file wait for each other's writes rather than fail at once.
  const database = new SQLite(file, { timeout: 5_000 });
  database.pragma("journal_mode = WAL");
  return { dialect: new SqliteDialect({ database }), kind: "sqlite", description: `sqlite ${file}` };
}

async function postgres(url: string, queryTimeoutMs: number): Promise<{ dialect: Dialect; kind: "postgres"; description: string }> {
  const { default: pg } = await import("pg");
  return { dialect: new DropTolerantPostgresDialect({ pool: postgresPool(pg, url, queryTimeoutMs) }), kind: "postgres", description: `postgres ${describePostgresUrl(url)}` };
}

/** host[:port]/database, never the user, password or parameters. */
export function describePostgresUrl(url: string): string {
  if (!URL.canParse(url)) return "(unparsable URL)";
  const parsed = new URL(url);
  return `${parsed.host || "localhost"}${parsed.pathname}`;
}
