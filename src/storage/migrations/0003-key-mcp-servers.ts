// The MCP servers a virtual key is granted: a JSON array of server names, as
// `models` is kept. A new nullable column, so every key that exists when this
// runs is granted none (never on by default). Portable types only, as in 0001.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("api_keys").addColumn("mcp_servers", "text").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("api_keys").dropColumn("mcp_servers").execute();
}
