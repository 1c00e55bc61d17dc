// Virtual keys, one usage record per turn, and the per-minute request counters
// that several gateway processes share. Portable column types only, as in 0001.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("api_keys")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("owner", "text", (column) => column.notNull())
    .addColumn("secret_hash", "text", (column) => column.notNull().unique())
    .addColumn("hint", "text", (column) => column.notNull())
    .addColumn("models", "text")
    .addColumn("budget_period", "text")
    .addColumn("budget_tokens", "bigint")
    .addColumn("budget_nano_aiu", "bigint")
    .addColumn("rpm_limit", "integer")
    .addColumn("max_parallel", "integer")
    .addColumn("expires_at", "bigint")
    .addColumn("status", "text", (column) => column.notNull())
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("updated_at", "bigint", (column) => column.notNull())
    .execute();

  await db.schema
    .createTable("usage_records")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("started_at", "bigint", (column) => column.notNull())
    .addColumn("request_id", "text", (column) => column.notNull())
    .addColumn("caller_kind", "text", (column) => column.notNull())
    .addColumn("caller", "text", (column) => column.notNull())
    .addColumn("key_id", "text")
    .addColumn("model", "text", (column) => column.notNull())
    .addColumn("dialect", "text", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull())
    .addColumn("error_code", "text")
    .addColumn("ttft_ms", "integer")
    .addColumn("duration_ms", "integer", (column) => column.notNull())
    .addColumn("input_tokens", "bigint", (column) => column.notNull())
    .addColumn("output_tokens", "bigint", (column) => column.notNull())
    .addColumn("cache_read_tokens", "bigint", (column) => column.notNull())
    .addColumn("cache_write_tokens", "bigint", (column) => column.notNull())
    .addColumn("reasoning_tokens", "bigint", (column) => column.notNull())
    .addColumn("cost", "double precision")
    .addColumn("nano_aiu", "bigint")
    .addColumn("estimated", "integer", (column) => column.notNull())
    .execute();
  await db.schema.createIndex("usage_records_started_at").on("usage_records").column("started_at").execute();
  await db.schema.createIndex("usage_records_key_started_at").on("usage_records").columns(["key_id", "started_at"]).execute();

  await db.schema
    .createTable("request_windows")
    .addColumn("key_id", "text", (column) => column.notNull())
    .addColumn("window_start", "bigint", (column) => column.notNull())
    .addColumn("requests", "integer", (column) => column.notNull())
    .addPrimaryKeyConstraint("request_windows_pk", ["key_id", "window_start"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("request_windows").execute();
  await db.schema.dropTable("usage_records").execute();
  await db.schema.dropTable("api_keys").execute();
}
