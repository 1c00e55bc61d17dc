// The audit of admin changes from its text form (a query string, CLI flags)
// to its JSON and CSV forms, shared by GET /admin/audit and
// `copilot-gateway audit`, as tools/tool-call-report.ts is for tool calls.
import { ADMIN_ACTIONS, ADMIN_ACTOR_KINDS, actorFromName, actorName, type AdminAction, type AdminAuditFilter, type AdminAuditRecord } from "./admin-audit.js";
import { INSTANT_FORMS, instantFromText, limitFromText } from "./filter-text.js";
import { csvCell } from "./usage-report.js";

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1_000;

const ACTIONS = ADMIN_ACTIONS;

export type AuditParam = "from" | "to" | "actor" | "action" | "target" | "limit";

/** Thrown for a bad filter; `param` is its query name (the CLI maps it to a flag). */
export class AuditQueryError extends Error {
  constructor(
    readonly param: AuditParam,
    message: string,
  ) {
    super(message);
  }
}

export type AuditFilterText = Partial<Record<AuditParam, string | undefined>>;

/**
 * A filter from its text form. `from` and `to` as GET /admin/tool-calls takes
 * them (ISO datetime with offset, YYYY-MM-DD at UTC midnight, or ms since the
 * epoch; `to` exclusive); `actor` a kind (`admin-key`, `cli`, `github`) or
 * one actor (`cli:alice`, `github:octocat`); `action` one of the actions;
 * `limit` 1 to 1000, 100 when absent. Throws AuditQueryError naming the parameter.
 */
export function parseAuditFilter(text: AuditFilterText): AdminAuditFilter & { limit: number } {
  const from = text.from === undefined ? undefined : parseMoment("from", text.from);
  const to = text.to === undefined ? undefined : parseMoment("to", text.to);
  if (from !== undefined && to !== undefined && to <= from) throw new AuditQueryError("to", "must be later than from (to is exclusive)");
  const actor = text.actor === undefined ? undefined : parseActor(text.actor);
  const action = text.action === undefined ? undefined : parseAction(text.action);
  const target = text.target === undefined ? undefined : parseTarget(text.target);
  return {
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(actor !== undefined ? { actor } : {}),
    ...(action !== undefined ? { action } : {}),
    ...(target !== undefined ? { target } : {}),
    limit: text.limit === undefined ? DEFAULT_AUDIT_LIMIT : parseLimit(text.limit),
  };
}

function parseMoment(param: "from" | "to", text: string): number {
  const moment = instantFromText(text);
  if (moment !== undefined) return moment;
  throw new AuditQueryError(param, `expected ${INSTANT_FORMS}, got ${JSON.stringify(text.trim().slice(0, 40))}`);
}

function parseActor(text: string): string {
  if (text.length <= 200 && ((ADMIN_ACTOR_KINDS as readonly string[]).includes(text) || actorFromName(text) !== undefined)) return text;
  throw new AuditQueryError("actor", `expected admin-key, cli, github, cli:<user> or github:<login>, got ${JSON.stringify(text.slice(0, 40))}`);
}

function parseAction(text: string): AdminAction {
  if ((ACTIONS as readonly string[]).includes(text)) return text as AdminAction;
  throw new AuditQueryError("action", `expected one of ${ACTIONS.join(", ")}, got ${JSON.stringify(text.slice(0, 40))}`);
}

function parseTarget(text: string): string {
  if (text === "") throw new AuditQueryError("target", "must not be empty");
  if (text.length > 200) throw new AuditQueryError("target", "must be at most 200 characters");
  return text;
}

function parseLimit(text: string): number {
  const limit = limitFromText(text, MAX_AUDIT_LIMIT);
  if (limit !== undefined) return limit;
  throw new AuditQueryError("limit", `expected a whole number from 1 to ${MAX_AUDIT_LIMIT}, got ${JSON.stringify(text.slice(0, 40))}`);
}

/** One record as the admin API and `--json` give it. */
export function auditView(record: AdminAuditRecord) {
  return {
    id: record.id,
    object: "admin_change" as const,
    at: new Date(record.at).toISOString(),
    /** `admin-key`, `cli:<user>` or `github:<login>`, as the `actor` filter takes it. */
    actor: actorName(record.actor),
    actor_kind: record.actor.kind,
    action: record.action,
    target: record.target,
    changes: record.changes,
    request_id: record.requestId,
  };
}

export type AuditView = ReturnType<typeof auditView>;

/** GET /admin/audit (JSON), newest first. */
export function auditList(records: readonly AdminAuditRecord[]) {
  return { object: "list" as const, data: records.map(auditView) };
}

const CSV_COLUMNS = ["at", "actor", "action", "target", "changes", "request_id", "id"] as const satisfies ReadonlyArray<keyof AuditView>;

/** RFC 4180 CSV (CRLF line ends): a header row, then one row per change; `changes` as its JSON, null as an empty field. */
export function auditCsv(records: readonly AdminAuditRecord[]): string {
  const lines = [CSV_COLUMNS.map(csvCell)];
  for (const view of records.map(auditView)) {
    lines.push(CSV_COLUMNS.map((column) => csvCell(column === "changes" ? JSON.stringify(view.changes) : String(view[column] ?? ""))));
  }
  return lines.map((cells) => `${cells.join(",")}\r\n`).join("");
}
