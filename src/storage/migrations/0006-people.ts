// People who sign in with GitHub, their sealed GitHub grants (one per
// person, with the claim that lets one process at a time refresh it), and
// the owner of a personal key. Portable column types only, as in 0001.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("people")
    .addColumn("id", "text", (column) => column.primaryKey())
    .addColumn("github_id", "bigint", (column) => column.notNull().unique())
    .addColumn("login", "text", (column) => column.notNull())
    .addColumn("seat", "text", (column) => column.notNull())
    .addColumn("status", "text", (column) => column.notNull())
    .addColumn("token_state", "text", (column) => column.notNull())
    .addColumn("token_problem", "text")
    .addColumn("created_at", "bigint", (column) => column.notNull())
    .addColumn("updated_at", "bigint", (column) => column.notNull())
    .addColumn("signed_in_at", "bigint", (column) => column.notNull())
    .execute();
  await db.schema
    .createTable("person_grants")
    .addColumn("person_id", "text", (column) => column.primaryKey())
    .addColumn("access_token", "text", (column) => column.notNull())
    .addColumn("access_expires_at", "bigint")
    .addColumn("refresh_token", "text")
    .addColumn("refresh_expires_at", "bigint")
    .addColumn("refresh_claim", "text")
    .addColumn("refresh_claim_until", "bigint")
    .addColumn("updated_at", "bigint", (column) => column.notNull())
    .execute();
  await db.schema.alterTable("api_keys").addColumn("person_id", "text").execute();
  await db.schema.createIndex("api_keys_person").on("api_keys").column("person_id").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("api_keys_person").execute();
  await db.schema.alterTable("api_keys").dropColumn("person_id").execute();
  await db.schema.dropTable("person_grants").execute();
  await db.schema.dropTable("people").execute();
}
