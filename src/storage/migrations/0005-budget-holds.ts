// Budget holds: what a key's running turns are expected to spend, reserved
// when each is admitted and removed once its usage is recorded, so that
// concurrent turns on every gateway process see each other before they
// start (access/budget-holds.ts). A hold of a process that died expires.
// Portable column types only, as in 0001.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("budget_holds")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("key_id", "text", (column) => column.notNull())
    .addColumn("tokens", "bigint", (column) => column.notNull())
    .addColumn("nano_aiu", "bigint", (column) => column.notNull())
    .addColumn("expires_at", "bigint", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("budget_holds_key").on("budget_holds").columns(["key_id", "expires_at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("budget_holds").execute();
}
