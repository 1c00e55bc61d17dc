// The audit of admin changes in the database: written by KeyRepository in the
// transaction of each change (`insertAudit`), read back newest first by the
// admin API and `copilot-gateway audit`, whichever process or CLI made it.
// Kept for good: changes are few, and who changed a key matters for as long
// as the key exists.
import type { Kysely, Transaction } from "kysely";
import { actorFromName, actorName, type AdminAuditFilter, type AdminAuditRecord, type AdminAuditStore } from "../access/admin-audit.js";
import type { DatabaseSchema } from "./schema.js";

export class AdminAuditRepository implements AdminAuditStore {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async list(filter: AdminAuditFilter): Promise<AdminAuditRecord[]> {
    let select = this.db.selectFrom("admin_audit").selectAll();
    if (filter.from !== undefined) select = select.where("at", ">=", filter.from);
    if (filter.to !== undefined) select = select.where("at", "<", filter.to);
    if (filter.actor !== undefined) {
      const actor = filter.actor;
      select = actor === "cli" || actor === "github" ? select.where("actor_kind", "=", actor) : select.where("actor", "=", actor);
    }
    if (filter.action !== undefined) select = select.where("action", "=", filter.action);
    if (filter.target !== undefined) select = select.where("target", "=", filter.target);
    select = select.orderBy("at", "desc").orderBy("id", "desc");
    if (filter.limit !== undefined) select = select.limit(filter.limit);
    const rows = await select.execute();
    return rows.map((row) => ({
      id: row.id,
      // bigint comes back from pg as a string.
      at: Number(row.at),
      // A name this code did not write (a row added by hand) still shows, as a CLI user of that name.
      actor: actorFromName(row.actor) ?? { kind: "cli", user: row.actor },
      action: row.action,
      target: row.target,
      changes: JSON.parse(row.changes) as AdminAuditRecord["changes"],
      requestId: row.request_id,
    }));
  }
}

/** Writes one record inside the transaction that makes its change. */
export async function insertAudit(trx: Transaction<DatabaseSchema>, record: AdminAuditRecord): Promise<void> {
  await trx
    .insertInto("admin_audit")
    .values({
      id: record.id,
      at: record.at,
      actor_kind: record.actor.kind,
      actor: actorName(record.actor),
      action: record.action,
      target: record.target,
      changes: JSON.stringify(record.changes),
      request_id: record.requestId,
    })
    .execute();
}
