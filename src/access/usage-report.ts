// Usage reports from their text form (a query string, CLI flags) to their
// JSON and CSV forms, shared by GET /admin/usage and `copilot-gateway usage`.
import { USAGE_GROUPS, type UsageGroup, type UsageQuery, type UsageRow } from "./usage.js";

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Thrown for a bad report parameter; `param` is its query name (the CLI maps it to a flag). */
export class UsageQueryError extends Error {
  constructor(
    readonly param: "group_by" | "from" | "to",
    message: string,
  ) {
    super(message);
  }
}

/**
 * A report query from its text form (query string or CLI flags). `group_by` is
 * a comma list of USAGE_GROUPS, duplicates dropped; `from` and `to` are ISO
 * datetimes with an offset or YYYY-MM-DD (UTC midnight), `to` exclusive.
 * Throws UsageQueryError; the HTTP route turns it into a 400 naming the parameter.
 */
export function parseUsageQuery(text: { groupBy?: string | undefined; from?: string | undefined; to?: string | undefined }): UsageQuery {
  const groupBy: UsageGroup[] = [];
  for (const name of (text.groupBy ?? "").split(",").map((part) => part.trim().toLowerCase())) {
    if (name === "") continue;
    if (!(USAGE_GROUPS as readonly string[]).includes(name)) {
      throw new UsageQueryError("group_by", `unknown group ${JSON.stringify(name.slice(0, 40))}; use a comma list of ${USAGE_GROUPS.join(", ")}`);
    }
    if (!groupBy.includes(name as UsageGroup)) groupBy.push(name as UsageGroup);
  }
  const from = text.from === undefined ? undefined : parseMoment("from", text.from);
  const to = text.to === undefined ? undefined : parseMoment("to", text.to);
  if (from !== undefined && to !== undefined && to <= from) throw new UsageQueryError("to", "must be later than from (to is exclusive)");
  return { groupBy, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

function parseMoment(param: "from" | "to", text: string): number {
  const moment = momentFromText(text);
  if (moment !== undefined) return moment;
  throw new UsageQueryError(param, `expected an ISO datetime with offset (2025-01-31T00:00:00Z) or a date (2025-01-31), got ${JSON.stringify(text.trim().slice(0, 40))}`);
}

/** Milliseconds for an ISO datetime with offset, or for YYYY-MM-DD at UTC midnight; undefined for anything else. */
export function momentFromText(text: string): number | undefined {
  const trimmed = text.trim();
  const day = DAY_PATTERN.exec(trimmed);
  if (day) {
    const moment = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    // Date.UTC rolls 2025-02-30 over into March; a date that does not round-trip does not exist.
    return new Date(moment).toISOString().slice(0, 10) === trimmed ? moment : undefined;
  }
  if (!DATETIME_PATTERN.test(trimmed)) return undefined;
  const moment = Date.parse(trimmed);
  return Number.isFinite(moment) ? moment : undefined;
}

/** The JSON report, as GET /admin/usage and `copilot-gateway usage --json` give it. */
export function usageReport(query: UsageQuery, rows: UsageRow[]) {
  return {
    object: "usage_report" as const,
    group_by: query.groupBy,
    from: query.from === undefined ? null : new Date(query.from).toISOString(),
    to: query.to === undefined ? null : new Date(query.to).toISOString(),
    data: rows,
  };
}

export const USAGE_TOTAL_COLUMNS = [
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "cost",
  "credits",
  "estimated_requests",
] as const;

/** RFC 4180 CSV (CRLF line ends): the group fields, then the totals. */
export function usageCsv(groupBy: readonly UsageGroup[], rows: readonly UsageRow[]): string {
  const lines = [[...groupBy, ...USAGE_TOTAL_COLUMNS].map(csvCell)];
  for (const row of rows) {
    lines.push([...groupBy.map((group) => csvCell(row.group[group] ?? "")), ...USAGE_TOTAL_COLUMNS.map((column) => String(row[column]))]);
  }
  return lines.map((cells) => `${cells.join(",")}\r\n`).join("");
}

/** One RFC 4180 field; a cell a spreadsheet would run as a formula is made inert. */
export function csvCell(text: string): string {
  // Key names and callers are chosen by people: a spreadsheet must not run one as a formula (CSV injection).
  const inert = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(inert) ? `"${inert.replace(/"/g, '""')}"` : inert;
}
