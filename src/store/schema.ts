// The tables, as Kysely sees them: one interface per table, column names as
// in SQL. The migrations in ./migrations/ create exactly these.
import type { ColumnType } from "kysely";

/** Milliseconds since the epoch. PostgreSQL's `bigint` comes back from `pg` as a string; we only ever write and compare it. */
type Millis = ColumnType<number | string, number, number>;

/** One kept Responses API response (what `previous_response_id` points at). */
export interface StoredResponsesTable {
  id: string;
  /** SHA-256 of the caller's API key (hex): entries are per caller, and no key is written down. */
  caller: string;
  /** JSON: `{ conversation, response }`, as the Responses dialect keeps them. */
  body: string;
  created_at: Millis;
  /** Last put or read; entries idle past the TTL are gone. */
  last_used: Millis;
}

/** Output item id → the response that produced it (what `item_reference` points at). */
export interface ResponseItemsTable {
  item_id: string;
  response_id: string;
}

export interface DatabaseSchema {
  stored_responses: StoredResponsesTable;
  response_items: ResponseItemsTable;
}
