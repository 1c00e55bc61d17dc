// Usage records and per-minute request counts in the database: the one place
// budgets, rate limits and reports read, whichever process served the turn.
import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Spend, UsageGroup, UsageQuery, UsageRecord, UsageRow, UsageStore } from "../access/usage.js";
import { NANO_AIU_PER_CREDIT } from "../access/virtual-keys.js";
import { BudgetHoldRepository } from "./budget-hold-repository.js";
import type { DatabaseSchema } from "./schema.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export class UsageRepository implements UsageStore {
  readonly holds: BudgetHoldRepository;

  constructor(private readonly db: Kysely<DatabaseSchema>) {
    this.holds = new BudgetHoldRepository(db);
  }

  async record(record: UsageRecord): Promise<void> {
    await this.recordMany([record]);
  }

  /**
   * Writes records, skipping any whose id the table has: a record written
   * again (from the spool, after a write whose answer was lost) is written once.
   */
  async recordMany(records: readonly UsageRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.db
      .insertInto("usage_records")
      .values(records.map(columnsOf))
      .onConflict((conflict) => conflict.column("id").doNothing())
      .execute();
  }

  async spent(keyId: string, from: number): Promise<Spend> {
    const row = await this.db
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

  async uncountRequest(keyId: string, windowStart: number): Promise<void> {
    await this.db
      .updateTable("request_windows")
      .set((eb) => ({ requests: eb("requests", "-", 1) }))
      .where("key_id", "=", keyId)
      .where("window_start", "=", windowStart)
      .where("requests", ">", 0)
      .execute();
  }

  async countRequest(keyId: string, windowStart: number): Promise<number> {
    const row = await this.db
      .insertInto("request_windows")
      .values({ key_id: keyId, window_start: windowStart, requests: 1 })
      .onConflict((conflict) => conflict.columns(["key_id", "window_start"]).doUpdateSet((eb) => ({ requests: eb("request_windows.requests", "+", 1) })))
      .returning("requests")
      .executeTakeFirstOrThrow();
    // Old windows are of no use; one in a while clears them.
    if (Math.random() < 0.01) await this.db.deleteFrom("request_windows").where("window_start", "<", windowStart - 3_600_000).execute();
    return Number(row.requests);
  }

  async report(query: UsageQuery): Promise<UsageRow[]> {
    const groups = [...new Set(query.groupBy)];
    let select = this.db
      .selectFrom("usage_records")
      .leftJoin("api_keys", "api_keys.id", "usage_records.key_id")
      .select((eb) => [
        eb.fn.countAll<number | string>().as("requests"),
        eb.fn.sum<number | string>(eb.case().when("usage_records.status", "=", "error").then(1).else(0).end()).as("errors"),
        eb.fn.sum<number | string>("usage_records.input_tokens").as("input_tokens"),
        eb.fn.sum<number | string>("usage_records.output_tokens").as("output_tokens"),
        eb.fn.sum<number | string>("usage_records.cache_read_tokens").as("cache_read_tokens"),
        eb.fn.sum<number | string>("usage_records.cache_write_tokens").as("cache_write_tokens"),
        eb.fn.sum<number | string>("usage_records.reasoning_tokens").as("reasoning_tokens"),
        eb.fn.sum<number | string | null>("usage_records.cost").as("cost"),
        eb.fn.sum<number | string | null>("usage_records.nano_aiu").as("nano_aiu"),
        eb.fn.sum<number | string>("usage_records.estimated").as("estimated_requests"),
      ]);
    if (query.from !== undefined) select = select.where("usage_records.started_at", ">=", query.from);
    if (query.to !== undefined) select = select.where("usage_records.started_at", "<", query.to);
    for (const group of groups) {
      const expression = groupExpression(group);
      select = select.select(expression.as(`group_${group}`)).groupBy(expression).orderBy(expression);
    }
    const rows = (await select.execute()) as Array<Record<string, number | string | null>>;
    return rows.map((row) => ({
      group: Object.fromEntries(groups.map((group) => [group, groupValue(group, row[`group_${group}`] ?? null)])),
      requests: Number(row.requests),
      errors: Number(row.errors ?? 0),
      input_tokens: Number(row.input_tokens ?? 0),
      output_tokens: Number(row.output_tokens ?? 0),
      cache_read_tokens: Number(row.cache_read_tokens ?? 0),
      cache_write_tokens: Number(row.cache_write_tokens ?? 0),
      reasoning_tokens: Number(row.reasoning_tokens ?? 0),
      cost: Number(row.cost ?? 0),
      credits: Number(row.nano_aiu ?? 0) / NANO_AIU_PER_CREDIT,
      estimated_requests: Number(row.estimated_requests ?? 0),
    }));
  }
}

function groupExpression(group: UsageGroup): RawBuilder<string | number> {
  switch (group) {
    case "key":
      return sql<string>`usage_records.caller`;
    case "owner":
      // A key's owner when it has one; a GitHub login or static key stands for itself.
      return sql<string>`coalesce(nullif(api_keys.owner, ''), usage_records.caller)`;
    case "model":
      return sql<string>`usage_records.model`;
    case "dialect":
      return sql<string>`usage_records.dialect`;
    case "status":
      return sql<string>`usage_records.status`;
    case "error":
      return sql<string>`coalesce(usage_records.error_code, '')`;
    case "day":
      // Integer division on both SQLite and PostgreSQL: the UTC day number.
      return sql<number>`usage_records.started_at / ${sql.lit(DAY_MS)}`;
    case "hour":
      return sql<number>`usage_records.started_at / ${sql.lit(HOUR_MS)}`;
  }
}

function groupValue(group: UsageGroup, value: number | string | null): string {
  if (group === "day") return new Date(Number(value) * DAY_MS).toISOString().slice(0, 10);
  // A datetime `from` and `to` accept as they are, so a chart can ask for the next bucket.
  if (group === "hour") return `${new Date(Number(value) * HOUR_MS).toISOString().slice(0, 13)}:00:00Z`;
  return value === null ? "" : String(value);
}

/** A record's row, in the table's column names. */
function columnsOf(record: UsageRecord) {
  return {
    id: record.id,
    started_at: record.startedAt,
    request_id: record.requestId,
    caller_kind: record.callerKind,
    caller: record.caller,
    key_id: record.keyId,
    model: record.model,
    dialect: record.dialect,
    status: record.status,
    error_code: record.errorCode,
    ttft_ms: record.ttftMs,
    duration_ms: record.durationMs,
    input_tokens: record.inputTokens,
    output_tokens: record.outputTokens,
    cache_read_tokens: record.cacheReadTokens,
    cache_write_tokens: record.cacheWriteTokens,
    reasoning_tokens: record.reasoningTokens,
    cost: record.cost,
    nano_aiu: record.nanoAiu,
    estimated: record.estimated ? 1 : 0,
  };
}
