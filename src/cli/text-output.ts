// How the CLI shows keys, usage and tool calls to a person: aligned tables and labelled
// lines. Scripts use --json, which prints the admin API's JSON instead.
import type { KeyDetails, KeyView } from "../access/key-admin.js";
import type { UsageQuery, UsageRow } from "../access/usage.js";
import { USAGE_TOTAL_COLUMNS } from "../access/usage-report.js";
import type { ToolCallRecord } from "../tools/tool-call-log.js";

/**
 * Names and owners are typed by whoever holds the admin key; a terminal must
 * not act on escape sequences or line breaks hidden in them.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** Columns padded to their widest cell; those marked numeric are right-aligned. */
export function table(headers: readonly string[], rows: readonly string[][], numeric: readonly boolean[] = []): string {
  const cells = [headers, ...rows].map((row) => row.map(printable));
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function keysTable(keys: readonly KeyView[]): string {
  return table(
    ["ID", "NAME", "OWNER", "STATUS", "MODELS", "MCP SERVERS", "BUDGET", "RPM", "PARALLEL", "EXPIRES", "HINT"],
    keys.map((key) => [
      key.id,
      key.name,
      key.owner || "-",
      key.status,
      key.models ? key.models.join(",") : "any",
      mcpServersText(key.mcp_servers, ","),
      budgetText(key.budget),
      key.rpm_limit === null ? "-" : String(key.rpm_limit),
      key.max_parallel === null ? "-" : String(key.max_parallel),
      key.expires_at ?? "never",
      key.hint,
    ]),
    [false, false, false, false, false, false, false, true, true],
  );
}

export function keyDetailsText(key: KeyView | KeyDetails): string {
  const lines: Array<[string, string]> = [
    ["id", key.id],
    ["name", key.name],
    ["owner", key.owner || "-"],
    ["status", key.status],
    ["hint", key.hint],
    ["models", key.models ? key.models.join(", ") : "any"],
    ["mcp servers", mcpServersText(key.mcp_servers, ", ")],
    ["budget", budgetText(key.budget)],
  ];
  if ("spent" in key && key.spent) {
    const spent = key.spent;
    lines.push(["spent", `${spent.tokens} tokens, ${decimal(spent.credits)} credits from ${spent.period_start} to ${spent.period_end}`]);
  }
  lines.push(
    ["rpm limit", key.rpm_limit === null ? "none" : String(key.rpm_limit)],
    ["max parallel", key.max_parallel === null ? "none" : String(key.max_parallel)],
    ["expires", key.expires_at ?? "never"],
    ["created", key.created_at],
    ["updated", key.updated_at],
  );
  const width = Math.max(...lines.map(([label]) => label.length));
  return lines.map(([label, value]) => `${label.padEnd(width)}  ${printable(value)}`).join("\n");
}

function mcpServersText(names: readonly string[], separator: string): string {
  if (names.length === 0) return "none";
  return names.includes("*") ? "all (*)" : names.join(separator);
}

function budgetText(budget: KeyView["budget"]): string {
  if (!budget) return "none";
  const limits = [
    ...(budget.tokens !== null ? [`${budget.tokens} tokens`] : []),
    ...(budget.credits !== null ? [`${decimal(budget.credits)} credits`] : []),
  ];
  return `${limits.join(" + ")} per ${budget.period}`;
}

const USAGE_HEADINGS: Record<(typeof USAGE_TOTAL_COLUMNS)[number], string> = {
  requests: "REQUESTS",
  errors: "ERRORS",
  input_tokens: "INPUT",
  output_tokens: "OUTPUT",
  cache_read_tokens: "CACHE READ",
  cache_write_tokens: "CACHE WRITE",
  reasoning_tokens: "REASONING",
  cost: "COST",
  credits: "CREDITS",
  estimated_requests: "ESTIMATED",
};

export function usageTable(query: UsageQuery, rows: readonly UsageRow[]): string {
  const from = query.from === undefined ? "the beginning" : new Date(query.from).toISOString();
  const to = query.to === undefined ? "now" : `${new Date(query.to).toISOString()} (exclusive)`;
  const title = `Usage from ${from} to ${to}${query.groupBy.length > 0 ? `, by ${query.groupBy.join(", ")}` : ""}`;
  if (rows.length === 0) return `${title}\nNo usage recorded.`;
  const body = table(
    [...query.groupBy.map((group) => group.toUpperCase()), ...USAGE_TOTAL_COLUMNS.map((column) => USAGE_HEADINGS[column])],
    rows.map((row) => [
      ...query.groupBy.map((group) => row.group[group] || "-"),
      ...USAGE_TOTAL_COLUMNS.map((column) => (column === "cost" || column === "credits" ? decimal(row[column]) : String(row[column]))),
    ]),
    [...query.groupBy.map(() => false), ...USAGE_TOTAL_COLUMNS.map(() => true)],
  );
  return `${title}\n\n${body}`;
}

/** The newest first, as listed; the arguments only in --json and --csv (they may be long). */
export function toolCallsTable(calls: readonly ToolCallRecord[]): string {
  if (calls.length === 0) return "No tool calls recorded.";
  return table(
    ["TIME", "CALLER", "MODEL", "SERVER", "TOOL", "OUTCOME", "DURATION MS", "ARGS BYTES", "RESULT BYTES", "REQUEST"],
    calls.map((call) => [
      new Date(call.at).toISOString(),
      call.caller,
      call.model,
      call.server,
      call.tool,
      call.outcome,
      String(call.durationMs),
      String(call.argumentsBytes),
      String(call.resultBytes),
      call.requestId,
    ]),
    [false, false, false, false, false, false, true, true, true],
  );
}

/** Up to six decimals, no trailing zeros: credits are fractions of one. */
function decimal(value: number): string {
  return String(Number(value.toFixed(6)));
}
