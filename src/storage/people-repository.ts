// People and their GitHub grants in the database. The grant's tokens arrive
// sealed (access/person-tokens.ts) and are stored as given: this layer never
// sees a token in clear. The refresh claim is one conditional UPDATE, which
// both SQLite and PostgreSQL apply atomically: of processes racing for it,
// exactly one changes the row.
import { SqliteAdapter, type Kysely, type Selectable } from "kysely";
import { newPersonId, type GitHubProfile, type PeopleStore, type Person, type PersonAuditOf, type PersonStatus, type SealedGrant, type StoredGrant } from "../access/people.js";
import { insertAudit } from "./admin-audit-repository.js";
import { numberOrNull } from "./key-repository.js";
import type { DatabaseSchema, PeopleTable } from "./schema.js";

export class PeopleRepository implements PeopleStore {
  /** SQLite has no SELECT … FOR UPDATE (and needs none: it has one writer at a time). */
  private readonly locksRows: boolean;

  constructor(private readonly db: Kysely<DatabaseSchema>) {
    this.locksRows = !(db.getExecutor().adapter instanceof SqliteAdapter);
  }

  async signedIn(profile: GitHubProfile, grant: SealedGrant, now: number): Promise<Person> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom("people").select("id").where("github_id", "=", profile.githubId).executeTakeFirst();
      const id = existing?.id ?? newPersonId();
      const fields = { login: profile.login, seat: profile.seat, token_state: "valid" as const, token_problem: null, updated_at: now, signed_in_at: now };
      if (existing) await trx.updateTable("people").set(fields).where("id", "=", id).execute();
      else await trx.insertInto("people").values({ id, github_id: profile.githubId, status: "active", created_at: now, ...fields }).execute();
      const columns = { ...grantColumns(grant), refresh_claim: null, refresh_claim_until: null, updated_at: now };
      await trx.deleteFrom("person_grants").where("person_id", "=", id).execute();
      await trx.insertInto("person_grants").values({ person_id: id, ...columns }).execute();
      return personOf(await trx.selectFrom("people").selectAll().where("id", "=", id).executeTakeFirstOrThrow());
    });
  }

  async get(id: string): Promise<Person | undefined> {
    const row = await this.db.selectFrom("people").selectAll().where("id", "=", id).executeTakeFirst();
    return row && personOf(row);
  }

  async list(): Promise<Person[]> {
    const rows = await this.db.selectFrom("people").selectAll().orderBy("login").orderBy("id").execute();
    return rows.map(personOf);
  }

  async find(idOrLogin: string): Promise<Person | undefined> {
    const byId = await this.get(idOrLogin);
    if (byId) return byId;
    // Logins are unique on GitHub whatever their case; a renamed login is found under its new name once they sign in again.
    const rows = await this.db.selectFrom("people").selectAll().where((eb) => eb(eb.fn("lower", ["login"]), "=", idOrLogin.toLowerCase())).orderBy("signed_in_at", "desc").execute();
    return rows[0] && personOf(rows[0]);
  }

  async setStatus(id: string, status: PersonStatus, now: number, audit: PersonAuditOf): Promise<Person | undefined> {
    return this.db.transaction().execute(async (trx) => {
      // Read in the transaction, and locked on PostgreSQL: the audit's "before" is the row this change replaces.
      let read = trx.selectFrom("people").selectAll().where("id", "=", id);
      if (this.locksRows) read = read.forUpdate();
      const row = await read.executeTakeFirst();
      if (row === undefined) return undefined;
      const before = personOf(row);
      await trx.updateTable("people").set({ status, updated_at: now }).where("id", "=", id).execute();
      const after: Person = { ...before, status, updatedAt: now };
      await insertAudit(trx, audit(before, after));
      return after;
    });
  }

  async lastUse(keyIds: readonly string[]): Promise<Map<string, number>> {
    if (keyIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom("usage_records")
      .select((eb) => ["key_id", eb.fn.max<number | string>("started_at").as("last")])
      .where("key_id", "in", [...keyIds])
      .groupBy("key_id")
      .execute();
    return new Map(rows.map((row) => [row.key_id!, Number(row.last)]));
  }

  async grant(personId: string): Promise<StoredGrant | undefined> {
    const row = await this.db.selectFrom("person_grants").selectAll().where("person_id", "=", personId).executeTakeFirst();
    if (!row) return undefined;
    return {
      accessToken: row.access_token,
      accessExpiresAt: numberOrNull(row.access_expires_at),
      refreshToken: row.refresh_token,
      refreshExpiresAt: numberOrNull(row.refresh_expires_at),
      claimUntil: numberOrNull(row.refresh_claim_until),
    };
  }

  async claimRefresh(personId: string, claim: string, seenExpiresAt: number | null, until: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("person_grants")
      .set({ refresh_claim: claim, refresh_claim_until: until })
      .where("person_id", "=", personId)
      .where((eb) => eb.or([eb("refresh_claim_until", "is", null), eb("refresh_claim_until", "<=", now)]))
      .where((eb) => (seenExpiresAt === null ? eb("access_expires_at", "is", null) : eb("access_expires_at", "=", seenExpiresAt)))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async refreshed(personId: string, claim: string, grant: SealedGrant, now: number): Promise<void> {
    await this.db
      .updateTable("person_grants")
      .set({ ...grantColumns(grant), refresh_claim: null, refresh_claim_until: null, updated_at: now })
      .where("person_id", "=", personId)
      .where("refresh_claim", "=", claim)
      .execute();
  }

  async releaseClaim(personId: string, claim: string): Promise<void> {
    await this.db.updateTable("person_grants").set({ refresh_claim: null, refresh_claim_until: null }).where("person_id", "=", personId).where("refresh_claim", "=", claim).execute();
  }

  async refused(personId: string, problem: string, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable("people").set({ token_state: "refused", token_problem: problem, updated_at: now }).where("id", "=", personId).execute();
      // What is left of the grant is of no use to anyone: gone, not kept.
      await trx.deleteFrom("person_grants").where("person_id", "=", personId).execute();
    });
  }
}

function grantColumns(grant: SealedGrant) {
  return {
    access_token: grant.accessToken,
    access_expires_at: grant.accessExpiresAt,
    refresh_token: grant.refreshToken,
    refresh_expires_at: grant.refreshExpiresAt,
  };
}

function personOf(row: Selectable<PeopleTable>): Person {
  return {
    id: row.id,
    githubId: Number(row.github_id),
    login: row.login,
    seat: row.seat,
    status: row.status,
    tokenState: row.token_state,
    tokenProblem: row.token_problem,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    signedInAt: Number(row.signed_in_at),
  };
}
