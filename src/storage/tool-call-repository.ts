// The tool-call audit in the database: every server-side tool call a gateway
// process ran, kept for a retention (90 days by default) and read back newest
// first by the admin API and `copilot-gateway tool-calls`, whichever process
// ran the call. `sweep()` deletes what is past the retention; the process
// calls it now and then, as it sweeps kept responses.
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { ToolCallFilter, ToolCallRecord, ToolCallStore } from "../tools/tool-call-log.js";
import type { DatabaseSchema } from "./schema.js";

export const DEFAULT_TOOL_CALL_RETENTION_MS = 90 * 86_400_000;

export interface ToolCallRepositoryOptions {
  /** How long a record is kept (default 90 days). */
  retentionMs?: number;
  now?: () => number;
}

export class ToolCallRepository implements ToolCallStore {
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Kysely<DatabaseSchema>,
    options: ToolCallRepositoryOptions = {},
  ) {
    this.retentionMs = options.retentionMs ?? DEFAULT_TOOL_CALL_RETENTION_MS;
    this.now = options.now ?? Date.now;
  }

  /** `id` is the record's own: a record written again under its id (from the spool) is written once. */
  async record(call: ToolCallRecord, id: string = randomUUID()): Promise<void> {
    await this.recordMany([{ id, call }]);
  }

  async recordMany(records: ReadonlyArray<{ id: string; call: ToolCallRecord }>): Promise<void> {
    if (records.length === 0) return;
    await this.db
      .insertInto("tool_calls")
      .values(
        records.map(({ id, call }) => ({
          id,
          at: call.at,
          request_id: call.requestId,
          caller: call.caller,
          key_id: call.keyId,
          model: call.model,
          server: call.server,
          tool: call.tool,
          // Integer columns: a fractional duration from performance.now() would fail PostgreSQL's insert.
          duration_ms: Math.round(call.durationMs),
          outcome: call.outcome,
          arguments_bytes: call.argumentsBytes,
          result_bytes: call.resultBytes,
          arguments: call.arguments,
        })),
      )
      .onConflict((conflict) => conflict.column("id").doNothing())
      .execute();
  }

  async list(filter: ToolCallFilter): Promise<ToolCallRecord[]> {
    let select = this.db.selectFrom("tool_calls").selectAll();
    if (filter.from !== undefined) select = select.where("at", ">=", filter.from);
    if (filter.to !== undefined) select = select.where("at", "<", filter.to);
    if (filter.caller !== undefined) select = select.where("caller", "=", filter.caller);
    if (filter.server !== undefined) select = select.where("server", "=", filter.server);
    select = select.orderBy("at", "desc").orderBy("id", "desc");
    if (filter.limit !== undefined) select = select.limit(filter.limit);
    const rows = await select.execute();
    return rows.map((row) => ({
      // bigint comes back from pg as a string.
      at: Number(row.at),
      requestId: row.request_id,
      caller: row.caller,
      keyId: row.key_id,
      model: row.model,
      server: row.server,
      tool: row.tool,
      durationMs: Number(row.duration_ms),
      outcome: row.outcome,
      argumentsBytes: Number(row.arguments_bytes),
      resultBytes: Number(row.result_bytes),
      arguments: row.arguments,
    }));
  }

  /** Deletes the records older than the retention. */
  async sweep(): Promise<void> {
    await this.db.deleteFrom("tool_calls").where("at", "<", this.now() - this.retentionMs).execute();
  }
}
