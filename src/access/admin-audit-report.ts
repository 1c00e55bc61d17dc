// The audit of admin changes from its text form (a query string, CLI flags)
// to its JSON and CSV forms, shared by GET /admin/audit and
// `copilot-gateway audit`, as tools/tool-call-report.ts is for tool calls.
import { ADMIN_ACTIONS, ADMIN_ACTOR_KINDS, actorFromName, actorName, type AdminAction, type AdminAuditFilter, type AdminAuditRecord } from "./admin-audit.js";
import { FilterQueryError, instantWindowFromText, limitParam, nameParam } from "./filter-text.js";
import { csvCell } from "./usage-report.js";

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1_000;

const ACTIONS = ADMIN_ACTIONS;

export type AuditParam = "from" | "to" | "actor" | "action" | "target" | "limit";

export type AuditFilterText = Partial<Record<AuditParam, string | undefined>>;

/**
 * A filter from its text form. `from` and `to` as GET /admin/tool-calls takes
 * them (ISO datetime with offset, YYYY-MM-DD at UTC midnight, or ms since the
 * epoch; `to` exclusive); `actor` a kind (`admin-key`, `cli`, `github`) or
 * one actor (`cli:alice`, `github:octocat`); `action` one of the actions;
 * `limit` 1 to 1000, 100 when absent. Throws FilterQueryError naming the parameter.
 */
export function parseAuditFilter(text: AuditFilterText): AdminAuditFilter & { limit: number } {
  const window = instantWindowFromText(text);
  const actor = text.actor === undefined ? undefined : parseActor(text.actor);
  const action = text.action === undefined ? undefined : parseAction(text.action);
  const target = text.target === undefined ? undefined : nameParam("target", text.target);
  return {
    ...window,
    ...(actor !== undefined ? { actor } : {}),
    ...(action !== undefined ? { action } : {}),
    ...(target !== undefined ? { target } : {}),
    limit: limitParam(text.limit, MAX_AUDIT_LIMIT, DEFAULT_AUDIT_LIMIT),
  };
}

function parseActor(text: string): string {
  if (text.length <= 200 && ((ADMIN_ACTOR_KINDS as readonly string[]).includes(text) || actorFromName(text) !== undefined)) return text;
  throw new FilterQueryError<AuditParam>("actor", `expected admin-key, cli, github, cli:<user> or github:<login>, got ${JSON.stringify(text.slice(0, 40))}`);
}

function parseAction(text: string): AdminAction {
  if ((ACTIONS as readonly string[]).includes(text)) return text as AdminAction;
  throw new FilterQueryError<AuditParam>("action", `expected one of ${ACTIONS.join(", ")}, got ${JSON.stringify(text.slice(0, 40))}`);
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
