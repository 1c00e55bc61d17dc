// Virtual keys in the database. Every lookup reads the row afresh, so a key
// revoked or changed through any gateway process (or the CLI) counts on the
// next request everywhere. A change and its audit record are one transaction.
import { SqliteAdapter, type Kysely, type Selectable } from "kysely";
import type { AuditOf, KeySettings, KeyStore, VirtualKey } from "../access/virtual-keys.js";
import { insertAudit } from "./admin-audit-repository.js";
import type { ApiKeysTable, DatabaseSchema } from "./schema.js";

export class KeyRepository implements KeyStore {
  /** SQLite has no SELECT … FOR UPDATE (and needs none: it has one writer at a time). */
  private readonly locksRows: boolean;

  constructor(private readonly db: Kysely<DatabaseSchema>) {
    this.locksRows = !(db.getExecutor().adapter instanceof SqliteAdapter);
  }

  async create(key: VirtualKey, secretHash: string, audit?: AuditOf): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("api_keys")
        .values({ id: key.id, secret_hash: secretHash, hint: key.hint, created_at: key.createdAt, updated_at: key.updatedAt, person_id: key.personId ?? null, ...columnsOf(key) })
        .execute();
      if (audit) await insertAudit(trx, audit(undefined, key));
    });
  }

  async list(): Promise<VirtualKey[]> {
    const rows = await this.db.selectFrom("api_keys").selectAll().orderBy("created_at").orderBy("id").execute();
    return rows.map(keyOf);
  }

  async get(id: string): Promise<VirtualKey | undefined> {
    const row = await this.db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
    return row && keyOf(row);
  }

  async findBySecretHash(secretHash: string): Promise<VirtualKey | undefined> {
    const row = await this.db.selectFrom("api_keys").selectAll().where("secret_hash", "=", secretHash).executeTakeFirst();
    return row && keyOf(row);
  }

  async listOfPerson(personId: string): Promise<VirtualKey[]> {
    const rows = await this.db.selectFrom("api_keys").selectAll().where("person_id", "=", personId).orderBy("created_at").orderBy("id").execute();
    return rows.map(keyOf);
  }

  async changedSince(since: number): Promise<VirtualKey[]> {
    const rows = await this.db.selectFrom("api_keys").selectAll().where("updated_at", ">=", since).execute();
    return rows.map(keyOf);
  }

  async update(id: string, changes: Partial<KeySettings>, now: number, audit?: AuditOf): Promise<VirtualKey | undefined> {
    return this.db.transaction().execute(async (trx) => {
      // Read in the transaction, and locked on PostgreSQL: the audit's "before" is the row this change replaces.
      let read = trx.selectFrom("api_keys").selectAll().where("id", "=", id);
      if (this.locksRows) read = read.forUpdate();
      const row = await read.executeTakeFirst();
      if (row === undefined) return undefined;
      const current = keyOf(row);
      // A revoked key stays revoked: its secret may be out there.
      const status = current.status === "revoked" ? "revoked" : (changes.status ?? current.status);
      const next: VirtualKey = { ...current, ...changes, status, updatedAt: now };
      await trx
        .updateTable("api_keys")
        .set({ ...columnsOf(next), updated_at: now })
        .where("id", "=", id)
        .execute();
      if (audit) await insertAudit(trx, audit(current, next));
      return next;
    });
  }
}

function columnsOf(key: KeySettings) {
  return {
    name: key.name,
    owner: key.owner,
    models: key.models === null ? null : JSON.stringify(key.models),
    // None is one value, null, whether the key never had a grant or had its grants cleared.
    mcp_servers: key.mcpServers.length === 0 ? null : JSON.stringify(key.mcpServers),
    budget_period: key.budget?.period ?? null,
    budget_tokens: key.budget?.tokens ?? null,
    budget_nano_aiu: key.budget?.nanoAiu ?? null,
    rpm_limit: key.rpmLimit,
    max_parallel: key.maxParallel,
    expires_at: key.expiresAt,
    status: key.status,
  };
}

function keyOf(row: Selectable<ApiKeysTable>): VirtualKey {
  const budgetTokens = numberOrNull(row.budget_tokens);
  const budgetNanoAiu = numberOrNull(row.budget_nano_aiu);
  return {
    id: row.id,
    name: row.name,
    owner: row.owner,
    hint: row.hint,
    models: row.models === null ? null : (JSON.parse(row.models) as string[]),
    mcpServers: row.mcp_servers === null ? [] : (JSON.parse(row.mcp_servers) as string[]),
    budget: row.budget_period === null ? null : { period: row.budget_period, tokens: budgetTokens, nanoAiu: budgetNanoAiu },
    rpmLimit: row.rpm_limit,
    maxParallel: row.max_parallel,
    expiresAt: numberOrNull(row.expires_at),
    status: row.status,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    ...(row.person_id ? { personId: row.person_id } : {}),
  };
}

/** PostgreSQL's bigint comes back as a string. */
export function numberOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}
