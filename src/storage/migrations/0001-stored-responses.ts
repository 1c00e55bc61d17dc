// Kept Responses API responses and the output items they own. Portable column
// types only (text, bigint), so the same migration serves SQLite and PostgreSQL.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("stored_responses")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("caller", "text", (column) => column.notNull())
    .addColumn("body", "text", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("last_used", "bigint", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("stored_responses_last_used").on("stored_responses").column("last_used").execute();
  await db.schema
    .createTable("response_items")
    .addColumn("item_id", "text", (column) => column.primaryKey())
    .addColumn("response_id", "text", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("response_items_response_id").on("response_items").column("response_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("response_items").execute();
  await db.schema.dropTable("stored_responses").execute();
}
