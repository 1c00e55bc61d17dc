// The audit of admin changes (access/admin-audit.ts): one row per change made
// through the admin API or the CLI, written in the transaction of the change
// itself. Indexed for the admin filters: time alone, and time within one
// actor or one action, newest first. Numbered 0007: 0006 is sign-in's.
// Portable column types only, as in 0001.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("admin_audit")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("at", "bigint", (column) => column.notNull())
    .addColumn("actor_kind", "text", (column) => column.notNull())
    .addColumn("actor", "text", (column) => column.notNull())
    .addColumn("action", "text", (column) => column.notNull())
    .addColumn("target", "text", (column) => column.notNull())
    .addColumn("changes", "text", (column) => column.notNull())
    .addColumn("request_id", "text")
    .execute();
  await db.schema.createIndex("admin_audit_at").on("admin_audit").column("at").execute();
  await db.schema.createIndex("admin_audit_actor_at").on("admin_audit").columns(["actor", "at"]).execute();
  await db.schema.createIndex("admin_audit_action_at").on("admin_audit").columns(["action", "at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("admin_audit").execute();
}
