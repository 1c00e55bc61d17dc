// The tool-call audit: one row per call the Copilot runtime ran on the server
// side for a caller (tools/tool-call-log.ts). Indexed for the admin filters:
// time alone, and time within one caller or one server, newest first.
// Portable column types only, as in 0001.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("tool_calls")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("at", "bigint", (column) => column.notNull())
    .addColumn("request_id", "text", (column) => column.notNull())
    .addColumn("caller", "text", (column) => column.notNull())
    .addColumn("key_id", "text")
    .addColumn("model", "text", (column) => column.notNull())
    .addColumn("server", "text", (column) => column.notNull())
    .addColumn("tool", "text", (column) => column.notNull())
    .addColumn("duration_ms", "integer", (column) => column.notNull())
    .addColumn("outcome", "text", (column) => column.notNull())
    .addColumn("arguments_bytes", "integer", (column) => column.notNull())
    .addColumn("result_bytes", "integer", (column) => column.notNull())
    .addColumn("arguments", "text")
    .execute();
  await db.schema.createIndex("tool_calls_at").on("tool_calls").column("at").execute();
  await db.schema.createIndex("tool_calls_caller_at").on("tool_calls").columns(["caller", "at"]).execute();
  await db.schema.createIndex("tool_calls_server_at").on("tool_calls").columns(["server", "at"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("tool_calls").execute();
}
