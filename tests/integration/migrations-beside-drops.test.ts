// A gateway starting on a PostgreSQL server that others use: its migrations
// must not fail because another schema on the server is dropped while they
// look for their tables (Kysely's own look reads every schema, by name).
// PostgreSQL only.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/storage/database.js";
import { createTestDatabase } from "../support/databases.js";

const serverUrl = process.env.TEST_DATABASE_URL;

/** Another app on the server: creates a schema with a table and drops it, over and over, until told to stop. */
async function churnSchemas(client: pg.Client, prefix: string, running: () => boolean): Promise<number> {
  let dropped = 0;
  while (running()) {
    const name = `${prefix}_${dropped}`;
    await client.query(`CREATE SCHEMA ${name}; CREATE TABLE ${name}.t (id serial primary key, v text)`);
    await client.query(`DROP SCHEMA ${name} CASCADE`);
    dropped++;
  }
  return dropped;
}

describe.runIf(serverUrl)("migrations on a shared PostgreSQL server", () => {
  it("open the database while other schemas are being dropped", { timeout: 60_000 }, async () => {
    const others = [new pg.Client({ connectionString: serverUrl }), new pg.Client({ connectionString: serverUrl })];
    await Promise.all(others.map((client) => client.connect()));
    let running = true;
    const churns = others.map((client, index) => churnSchemas(client, `cgw_other_${process.pid}_${index}`, () => running));
    try {
      const opened: string[] = [];
      while (opened.length < 20) {
        const target = await createTestDatabase("postgres");
        try {
          const database = await openDatabase(target.options);
          opened.push(database.kind);
          await database.close();
        } finally {
          await target.dispose();
        }
      }
      expect(opened).toHaveLength(20);
    } finally {
      running = false;
      const dropped = await Promise.all(churns);
      await Promise.all(others.map((client) => client.end()));
      expect(dropped.every((count) => count > 0)).toBe(true);
    }
  });
});
