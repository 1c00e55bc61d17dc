// Usage reports from their text form (a query string, CLI flags) to their
// JSON and CSV forms, shared by GET /admin/usage and `copilot-gateway usage`.
import { FilterQueryError, momentFromText } from "./filter-text.js";
import { USAGE_GROUPS, type UsageGroup, type UsageQuery, type UsageRow } from "./usage.js";


/** A usage report's query parameters: a FilterQueryError names one of these. */
export type UsageParam = "group_by" | "from" | "to";

/**
 * A report query from its text form (query string or CLI flags). `group_by` is
 * a comma list of USAGE_GROUPS, duplicates dropped; `from` and `to` are ISO
 * datetimes with an offset or YYYY-MM-DD (UTC midnight), `to` exclusive.
 * Throws FilterQueryError; the HTTP route turns it into a 400 naming the parameter.
 */
export function parseUsageQuery(text: { groupBy?: string | undefined; from?: string | undefined; to?: string | undefined }): UsageQuery {
  const groupBy: UsageGroup[] = [];
  for (const name of (text.groupBy ?? "").split(",").map((part) => part.trim().toLowerCase())) {
    if (name === "") continue;
    if (!(USAGE_GROUPS as readonly string[]).includes(name)) {
      throw new FilterQueryError<UsageParam>("group_by", `unknown group ${JSON.stringify(name.slice(0, 40))}; use a comma list of ${USAGE_GROUPS.join(", ")}`);
    }
    if (!groupBy.includes(name as UsageGroup)) groupBy.push(name as UsageGroup);
  }
  const from = text.from === undefined ? undefined : parseMoment("from", text.from);
  const to = text.to === undefined ? undefined : parseMoment("to", text.to);
  if (from !== undefined && to !== undefined && to <= from) throw new FilterQueryError<UsageParam>("to", "must be later than from (to is exclusive)");
  return { groupBy, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

function parseMoment(param: "from" | "to", text: string): number {
  const moment = momentFromText(text);
  if (moment !== undefined) return moment;
  throw new FilterQueryError<UsageParam>(param, `expected an ISO datetime with offset (2025-01-31T00:00:00Z) or a date (2025-01-31), got ${JSON.stringify(text.trim().slice(0, 40))}`);
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
