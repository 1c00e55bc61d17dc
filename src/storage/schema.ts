// The tables, as Kysely sees them: one interface per table, column names as
// in SQL. The migrations in ./migrations/ create exactly these.
import type { ColumnType } from "kysely";

/** Milliseconds since the epoch. PostgreSQL's `bigint` comes back from `pg` as a string; we only ever write and compare it. */
type Millis = ColumnType<number | string, number, number>;
/** A count that may pass 2^31; `bigint`, read back as a string on PostgreSQL. */
type BigCount = ColumnType<number | string, number, number>;

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

/** A virtual key. Only a hash of its secret is kept. */
export interface ApiKeysTable {
  id: string;
  name: string;
  owner: string;
  /** SHA-256 of the secret (hex). */
  secret_hash: string;
  /** The secret's last characters, so people can tell their keys apart. */
  hint: string;
  /** JSON array of model ids; null: every model. */
  models: string | null;
  /** JSON array of the MCP server names it is granted (`["*"]`: all); null: none. */
  mcp_servers: string | null;
  budget_period: "day" | "month" | null;
  budget_tokens: BigCount | null;
  budget_nano_aiu: BigCount | null;
  rpm_limit: number | null;
  max_parallel: number | null;
  expires_at: Millis | null;
  status: "active" | "disabled" | "revoked";
  created_at: Millis;
  updated_at: Millis;
  /** A personal key's owner (people.id); null for the admin's keys. */
  person_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One turn: who, what, how it went, and what it cost. */
export interface UsageRecordsTable {
  id: string;
  started_at: Millis;
  request_id: string;
  caller_kind: "anonymous" | "static" | "key" | "github";
  /** The key id, GitHub login, `static:<hash prefix>` or `anonymous`: never a secret. */
  caller: string;
  key_id: string | null;
  model: string;
  dialect: string;
  status: "ok" | "error" | "cancelled";
  error_code: string | null;
  ttft_ms: number | null;
  duration_ms: number;
  input_tokens: BigCount;
  output_tokens: BigCount;
  cache_read_tokens: BigCount;
  cache_write_tokens: BigCount;
  reasoning_tokens: BigCount;
  cost: number | null;
  nano_aiu: BigCount | null;
  /** 1 when the runtime reported no usage and the tokens are the gateway's estimate. */
  estimated: number;
}

/** Requests a key made in one minute, shared by every gateway process on the database. */
export interface RequestWindowsTable {
  key_id: string;
  window_start: Millis;
  requests: number;
}

/** One tool call the runtime ran on the server side for a caller: the audit (tools/tool-call-log.ts). */
export interface ToolCallsTable {
  /** Made by the repository: a record has no id of its own. */
  id: string;
  at: Millis;
  request_id: string;
  /** As usage records name the caller: never a secret. */
  caller: string;
  key_id: string | null;
  model: string;
  server: string;
  tool: string;
  duration_ms: number;
  outcome: "ok" | "error" | "refused" | "timeout";
  arguments_bytes: number;
  result_bytes: number;
  /** The arguments' JSON text; null unless the operator has the gateway keep them. */
  arguments: string | null;
}

/** What one admitted turn of a key with a budget is expected to spend, until its usage is recorded. */
export interface BudgetHoldsTable {
  id: string;
  key_id: string;
  tokens: number;
  nano_aiu: number;
  expires_at: Millis;
}

/** Someone who signed in with GitHub (access/people.ts). */
export interface PeopleTable {
  id: string;
  github_id: BigCount;
  login: string;
  seat: "active" | "none" | "unknown";
  status: "active" | "disabled";
  token_state: "valid" | "refused";
  token_problem: string | null;
  created_at: Millis;
  updated_at: Millis;
  signed_in_at: Millis;
}

/** A person's GitHub grant: the tokens sealed with AES-256-GCM (access/secret-box.ts), never in clear. */
export interface PersonGrantsTable {
  person_id: string;
  access_token: string;
  access_expires_at: Millis | null;
  refresh_token: string | null;
  refresh_expires_at: Millis | null;
  /** Which process may refresh it now, and until when (access/person-tokens.ts). */
  refresh_claim: string | null;
  refresh_claim_until: Millis | null;
  updated_at: Millis;
}

/** One change made through the admin API or the CLI: who, when, what (access/admin-audit.ts). Never a secret. */
export interface AdminAuditTable {
  id: string;
  at: Millis;
  actor_kind: "admin-key" | "cli" | "github";
  /** The actor in one string: `admin-key`, `cli:<os user>`, `github:<login>`. */
  actor: string;
  action: "key.create" | "key.update" | "key.revoke" | "person.disable" | "person.enable";
  /** The key id changed, or the person's id. */
  target: string;
  /** JSON: the changed fields, `{ field: { from, to } }`. */
  changes: string;
  /** The admin request's id; null from the CLI. */
  request_id: string | null;
}

export interface DatabaseSchema {
  stored_responses: StoredResponsesTable;
  response_items: ResponseItemsTable;
  api_keys: ApiKeysTable;
  usage_records: UsageRecordsTable;
  request_windows: RequestWindowsTable;
  tool_calls: ToolCallsTable;
  budget_holds: BudgetHoldsTable;
  people: PeopleTable;
  person_grants: PersonGrantsTable;
  admin_audit: AdminAuditTable;
}
