// The tool-call audit from its text form (a query string, CLI flags) to its
// JSON and CSV forms, shared by GET /admin/tool-calls and
// `copilot-gateway tool-calls`, as usage-report.ts is for usage.
import { INSTANT_FORMS, instantFromText, limitFromText } from "../access/filter-text.js";
import { csvCell } from "../access/usage-report.js";
import type { ToolCallFilter, ToolCallRecord } from "./tool-call-log.js";

export const DEFAULT_TOOL_CALL_LIMIT = 100;
export const MAX_TOOL_CALL_LIMIT = 1_000;

export type ToolCallParam = "from" | "to" | "caller" | "server" | "limit";

/** Thrown for a bad filter; `param` is its query name (the CLI maps it to a flag). */
export class ToolCallQueryError extends Error {
  constructor(
    readonly param: ToolCallParam,
    message: string,
  ) {
    super(message);
  }
}

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
 * 100 when absent. Throws ToolCallQueryError naming the parameter.
 */
export function parseToolCallFilter(text: ToolCallFilterText): Required<Pick<ToolCallFilter, "limit">> & ToolCallFilter {
  const from = text.from === undefined ? undefined : parseMoment("from", text.from);
  const to = text.to === undefined ? undefined : parseMoment("to", text.to);
  if (from !== undefined && to !== undefined && to <= from) throw new ToolCallQueryError("to", "must be later than from (to is exclusive)");
  const caller = text.caller === undefined ? undefined : parseName("caller", text.caller);
  const server = text.server === undefined ? undefined : parseName("server", text.server);
  return {
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(caller !== undefined ? { caller } : {}),
    ...(server !== undefined ? { server } : {}),
    limit: text.limit === undefined ? DEFAULT_TOOL_CALL_LIMIT : parseLimit(text.limit),
  };
}

function parseMoment(param: "from" | "to", text: string): number {
  const moment = instantFromText(text);
  if (moment !== undefined) return moment;
  throw new ToolCallQueryError(param, `expected ${INSTANT_FORMS}, got ${JSON.stringify(text.trim().slice(0, 40))}`);
}

function parseName(param: "caller" | "server", text: string): string {
  if (text === "") throw new ToolCallQueryError(param, "must not be empty");
  if (text.length > 200) throw new ToolCallQueryError(param, "must be at most 200 characters");
  return text;
}

function parseLimit(text: string): number {
  const limit = limitFromText(text, MAX_TOOL_CALL_LIMIT);
  if (limit !== undefined) return limit;
  throw new ToolCallQueryError("limit", `expected a whole number from 1 to ${MAX_TOOL_CALL_LIMIT}, got ${JSON.stringify(text.slice(0, 40))}`);
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
