// Budget holds in the database (access/budget-holds.ts). The decision and
// the insert are one step per key: PostgreSQL takes a transaction-scoped
// advisory lock on the key first; SQLite runs the transaction as the one
// writer (BEGIN IMMEDIATE's lock, taken by the first statement's write).
import { PostgresAdapter, sql, type Kysely, type Transaction } from "kysely";
import { holdDecision, type BudgetHold, type BudgetHolds, type BudgetLimit, type HoldOutcome } from "../access/budget-holds.js";
import type { Spend } from "../access/usage.js";
import type { DatabaseSchema } from "./schema.js";

export class BudgetHoldRepository implements BudgetHolds {
  private readonly postgres: boolean;

  constructor(private readonly db: Kysely<DatabaseSchema>) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  reserve(hold: BudgetHold, limit: BudgetLimit, periodStart: number, now: number): Promise<HoldOutcome> {
    return this.db.transaction().execute(async (trx) => {
      await this.lockKey(trx, hold.keyId, now);
      const [spent, held] = await Promise.all([spentSince(trx, hold.keyId, periodStart), heldNow(trx, hold.keyId, now)]);
      const outcome = holdDecision(limit, spent, held, hold);
      if (outcome.kind === "reserved") {
        await trx.insertInto("budget_holds").values({ id: hold.id, key_id: hold.keyId, tokens: hold.tokens, nano_aiu: hold.nanoAiu, expires_at: hold.expiresAt }).execute();
      }
      return outcome;
    });
  }

  async release(id: string): Promise<void> {
    await this.db.deleteFrom("budget_holds").where("id", "=", id).execute();
  }

  async largestRecentNanoAiu(keyId: string, since: number): Promise<number> {
    const row = await this.db
      .selectFrom("usage_records")
      .select((eb) => eb.fn.coalesce(eb.fn.max<number | string | null>("nano_aiu"), sql.lit(0)).as("largest"))
      .where("key_id", "=", keyId)
      .where("started_at", ">=", since)
      .executeTakeFirstOrThrow();
    return Number(row.largest);
  }

  /**
   * Serialises reservations of one key across processes. On SQLite the
   * first write takes the database's write lock for the rest of the
   * transaction: expired holds are cleared with it.
   */
  private async lockKey(trx: Transaction<DatabaseSchema>, keyId: string, now: number): Promise<void> {
    if (this.postgres) await sql`select pg_advisory_xact_lock(hashtext(${`budget:${keyId}`}))`.execute(trx);
    await trx.deleteFrom("budget_holds").where("key_id", "=", keyId).where("expires_at", "<=", now).execute();
  }
}

async function spentSince(trx: Transaction<DatabaseSchema>, keyId: string, from: number): Promise<Spend> {
  const row = await trx
    .selectFrom("usage_records")
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number | string>(eb("input_tokens", "+", eb.ref("output_tokens"))), sql.lit(0)).as("tokens"),
      eb.fn.coalesce(eb.fn.sum<number | string>("nano_aiu"), sql.lit(0)).as("nano_aiu"),
    ])
    .where("key_id", "=", keyId)
    .where("started_at", ">=", from)
    .executeTakeFirstOrThrow();
  return { tokens: Number(row.tokens), nanoAiu: Number(row.nano_aiu) };
}

async function heldNow(trx: Transaction<DatabaseSchema>, keyId: string, now: number): Promise<Spend & { count: number }> {
  const row = await trx
    .selectFrom("budget_holds")
    .select((eb) => [
      eb.fn.countAll<number | string>().as("count"),
      eb.fn.coalesce(eb.fn.sum<number | string>("tokens"), sql.lit(0)).as("tokens"),
      eb.fn.coalesce(eb.fn.sum<number | string>("nano_aiu"), sql.lit(0)).as("nano_aiu"),
    ])
    .where("key_id", "=", keyId)
    .where("expires_at", ">", now)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), tokens: Number(row.tokens), nanoAiu: Number(row.nano_aiu) };
}
