// Opens the gateway's database and brings its schema up to date: an embedded
// SQLite file under the data directory by default, so a plain `npm start`
// needs nothing else; PostgreSQL when a URL is given, for several gateway
// processes sharing one store. Both behind one Kysely instance, so the rest of
// the code writes its queries once.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Dialect } from "kysely";
import { migrationProvider } from "./migrations/index.js";
import type { DatabaseSchema } from "./schema.js";

export interface DatabaseOptions {
  /** The gateway's data directory: the SQLite file is `<dataDir>/gateway.sqlite`. */
  dataDir: string;
  /** A `postgres://` URL: use PostgreSQL instead of SQLite. */
  databaseUrl?: string;
}

export interface GatewayDatabase {
  db: Kysely<DatabaseSchema>;
  kind: "sqlite" | "postgres";
  /** Where it is, without secrets: the SQLite file, or the PostgreSQL host and database. */
  description: string;
  close(): Promise<void>;
}

export const SQLITE_FILE = "gateway.sqlite";

export async function openDatabase(options: DatabaseOptions): Promise<GatewayDatabase> {
  const { dialect, kind, description } = options.databaseUrl ? await postgres(options.databaseUrl) : await sqlite(options.dataDir);
  const db = new Kysely<DatabaseSchema>({ dialect });
  try {
    await (kind === "sqlite" ? migrateSharedFile(db) : migrate(db, await currentSchema(db)));
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, kind, description, close: () => db.destroy() };
}

/**
 * Applies every migration not yet applied. Kysely's migrator takes a lock, so
 * processes starting together apply each once. `schema` (PostgreSQL) names
 * where its bookkeeping tables live: without it the migrator takes another
 * schema's `kysely_migration_lock` (any app on the server using Kysely) for
 * ours, skips creating ours, and then fails on it.
 */
export async function migrate(db: Kysely<DatabaseSchema>, schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (error === undefined) return;
    const failed = results?.find((result) => result.status === "Error")?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    // Before it migrates, Kysely looks for its tables in every schema of the
    // server; a schema someone else drops meanwhile fails that look with
    // "schema … does not exist" (seen when another process on the server
    // dropped its own schema). Nothing was migrated yet: look again.
    if (!failed && attempt < MIGRATION_ATTEMPTS && /does not exist/.test(reason)) continue;
    throw new Error(failed ? `migration ${failed} failed: ${reason}` : `migrations failed: ${reason}`);
  }
}

const MIGRATION_ATTEMPTS = 3;

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
      if (attempt >= 10) throw error;
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

async function postgres(url: string): Promise<{ dialect: Dialect; kind: "postgres"; description: string }> {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client's error (the server restarted) must not end the process; the pool replaces it.
  pool.on("error", () => undefined);
  return { dialect: new PostgresDialect({ pool }), kind: "postgres", description: `postgres ${describePostgresUrl(url)}` };
}

/** host[:port]/database, never the user, password or parameters. */
export function describePostgresUrl(url: string): string {
  if (!URL.canParse(url)) return "(unparsable URL)";
  const parsed = new URL(url);
  return `${parsed.host || "localhost"}${parsed.pathname}`;
}
