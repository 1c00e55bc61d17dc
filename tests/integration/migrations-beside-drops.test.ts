// A gateway starting on a PostgreSQL server that others use: its migrations
// must not fail because another schema on the server is dropped while they
// look for their tables (Kysely's look reads every schema). PostgreSQL only.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/storage/database.js";
import { createTestDatabase } from "../support/databases.js";

const serverUrl = process.env.TEST_DATABASE_URL;

describe.runIf(serverUrl)("migrations on a shared PostgreSQL server", () => {
  it("open the database while other schemas are being dropped", { timeout: 60_000 }, async () => {
    const others = new pg.Client({ connectionString: serverUrl });
    await others.connect();
    const names = Array.from({ length: 60 }, (_, index) => `cgw_other_${process.pid}_${index}`);
    try {
      for (const name of names) await others.query(`CREATE SCHEMA ${name}; CREATE TABLE ${name}.t (id serial primary key, v text)`);
      let dropping = true;
      const drops = (async () => {
        for (const name of names) {
          await others.query(`DROP SCHEMA ${name} CASCADE`);
          if (!dropping) break;
        }
      })();
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
      dropping = false;
      await drops;
      expect(opened).toHaveLength(20);
    } finally {
      for (const name of names) await others.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await others.end();
    }
  });
});
