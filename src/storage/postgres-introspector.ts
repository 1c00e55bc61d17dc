// Kysely's PostgreSQL introspector reads every schema of the server and checks
// each by name (`has_schema_privilege(nspname, …)`): a schema another app drops
// while it reads fails the whole read with "schema … does not exist", and with
// it our migrations (seen on a shared CI server). This one checks by OID, which
// a concurrent drop cannot turn into an error, and reads only what the migrator
// needs from it: which tables exist in which schema.
import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE, PostgresDialect, PostgresIntrospector, sql, type DatabaseIntrospector, type DatabaseMetadataOptions, type Kysely, type TableMetadata } from "kysely";

const MIGRATION_TABLES = [DEFAULT_MIGRATION_TABLE, DEFAULT_MIGRATION_LOCK_TABLE];

class DropTolerantPostgresIntrospector extends PostgresIntrospector {
  constructor(private readonly db: Kysely<unknown>) {
    super(db);
  }

  /** Tables and views with their schema; columns are not read (nothing here uses them). */
  override async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<{ schema: string; table: string; kind: string }>`
      select ns.nspname as schema, c.relname as table, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace ns on c.relnamespace = ns.oid
      where c.relkind in ('r', 'v', 'p')
        and ns.nspname !~ '^pg_' and ns.nspname <> 'information_schema'
        and has_schema_privilege(ns.oid, 'USAGE')
      order by ns.nspname, c.relname`.execute(this.db);
    return rows
      .filter((row) => options.withInternalKyselyTables || !MIGRATION_TABLES.includes(row.table))
      .map((row) => ({ name: row.table, schema: row.schema, isView: row.kind === "v", columns: [] }));
  }
}

export class DropTolerantPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new DropTolerantPostgresIntrospector(db);
  }
}
