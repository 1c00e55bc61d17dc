// The databases the storage tests run on: SQLite (a file in a temp dir)
// always, and PostgreSQL when TEST_DATABASE_URL names a server (`.ci/run`
// starts one). Each test database is fresh: its own directory, or its own
// PostgreSQL schema (selected through the URL's search_path), dropped after.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach } from "vitest";
import { openDatabase, type DatabaseOptions, type GatewayDatabase } from "../../src/storage/database.js";

export type DatabaseKind = "sqlite" | "postgres";

/** The kinds to run on here: `describe.each(DATABASE_KINDS)`. */
export const DATABASE_KINDS: DatabaseKind[] = process.env.TEST_DATABASE_URL ? ["sqlite", "postgres"] : ["sqlite"];

export interface TestDatabase {
  kind: DatabaseKind;
  /** What `openDatabase` takes; open it as many times as a test likes, in sequence or side by side. */
  options: DatabaseOptions;
  /** Removes the directory or drops the schema. */
  dispose(): Promise<void>;
}

export async function createTestDatabase(kind: DatabaseKind, dataDir?: string): Promise<TestDatabase> {
  const ownDir = dataDir === undefined;
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), "cgw-db-")));
  const removeDir = async () => {
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };
  if (kind === "sqlite") return { kind, options: { dataDir: dir }, dispose: removeDir };

  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error("TEST_DATABASE_URL is not set");
  const schema = `cgw_test_${randomBytes(6).toString("hex")}`;
  await admin(serverUrl, `CREATE SCHEMA ${schema}`);
  const url = new URL(serverUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    kind,
    options: { dataDir: dir, databaseUrl: url.toString() },
    async dispose() {
      await admin(serverUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await removeDir();
    },
  };
}

/**
 * `fresh(kind)` makes a test database and `open(target)` opens it (as often as
 * a test likes); both are closed and dropped after each test, last first.
 */
export function databasesDisposedAfterEach(): { fresh(kind: DatabaseKind): Promise<TestDatabase>; open(target: TestDatabase): Promise<GatewayDatabase> } {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    async fresh(kind) {
      const target = await createTestDatabase(kind);
      cleanups.push(target.dispose);
      return target;
    },
    async open(target) {
      const database = await openDatabase(target.options);
      cleanups.push(database.close);
      return database;
    },
  };
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
