// The tool-call audit from its text form (a query string, CLI flags) to its
// JSON and CSV forms, shared by GET /admin/tool-calls and
// `copilot-gateway tool-calls`, as usage-report.ts is for usage.
import { instantWindowFromText, limitParam, nameParam } from "../access/filter-text.js";
import { csvCell } from "../access/usage-report.js";
import type { ToolCallFilter, ToolCallRecord } from "./tool-call-log.js";

export const DEFAULT_TOOL_CALL_LIMIT = 100;
export const MAX_TOOL_CALL_LIMIT = 1_000;

export type ToolCallParam = "from" | "to" | "caller" | "server" | "limit";

export interface ToolCallFilterText {
  from?: string | undefined;
  to?: string | undefined;
  caller?: string | undefined;
  server?: string | undefined;
  limit?: string | undefined;
}

/**
 * A filter from its text form. `from` and `to` take what the usage report
 * takes (an ISO datetime with offset, or YYYY-MM-DD at UTC midnight) and
 * milliseconds since the epoch; `to` is exclusive. `limit` is 1 to 1000,
 * 100 when absent. Throws FilterQueryError naming the parameter.
 */
export function parseToolCallFilter(text: ToolCallFilterText): Required<Pick<ToolCallFilter, "limit">> & ToolCallFilter {
  const window = instantWindowFromText(text);
  const caller = text.caller === undefined ? undefined : nameParam<ToolCallParam>("caller", text.caller);
  const server = text.server === undefined ? undefined : nameParam<ToolCallParam>("server", text.server);
  return {
    ...window,
    ...(caller !== undefined ? { caller } : {}),
    ...(server !== undefined ? { server } : {}),
    limit: limitParam(text.limit, MAX_TOOL_CALL_LIMIT, DEFAULT_TOOL_CALL_LIMIT),
  };
}

/** One call as the admin API and `--json` give it. */
export function toolCallView(call: ToolCallRecord) {
  return {
    at: new Date(call.at).toISOString(),
    request_id: call.requestId,
    caller: call.caller,
    key_id: call.keyId,
    model: call.model,
    server: call.server,
    tool: call.tool,
    duration_ms: call.durationMs,
    outcome: call.outcome,
    arguments_bytes: call.argumentsBytes,
    result_bytes: call.resultBytes,
    arguments: call.arguments,
  };
}

export type ToolCallView = ReturnType<typeof toolCallView>;

/** GET /admin/tool-calls (JSON), newest first. */
export function toolCallList(calls: readonly ToolCallRecord[]) {
  return { object: "list" as const, data: calls.map(toolCallView) };
}

const CSV_COLUMNS = [
  "at",
  "request_id",
  "caller",
  "key_id",
  "model",
  "server",
  "tool",
  "duration_ms",
  "outcome",
  "arguments_bytes",
  "result_bytes",
  "arguments",
] as const satisfies ReadonlyArray<keyof ToolCallView>;

/** RFC 4180 CSV (CRLF line ends): a header row, then one row per call; null is an empty field. */
export function toolCallsCsv(calls: readonly ToolCallRecord[]): string {
  const lines = [CSV_COLUMNS.map(csvCell)];
  for (const view of calls.map(toolCallView)) lines.push(CSV_COLUMNS.map((column) => csvCell(String(view[column] ?? ""))));
  return lines.map((cells) => `${cells.join(",")}\r\n`).join("");
}
