// What the admin reports' routes share: which form a report is answered in
// (`format=json|csv` when given, else the Accept header, a spreadsheet's
// `text/csv`, else JSON), and a bad filter parameter's 400.
import type { Context } from "hono";
import { accepts } from "hono/accepts";
import { FilterQueryError } from "../access/filter-text.js";
import { badRequest } from "../core/gateway-error.js";
import type { AppEnv } from "../pipeline/app-env.js";

export function wantsCsv(c: Context<AppEnv>): boolean {
  const format = c.req.query("format");
  if (format !== undefined && format !== "json" && format !== "csv") {
    throw badRequest(`Invalid 'format': expected json or csv, got ${JSON.stringify(format.slice(0, 40))}.`, "format", "invalid_value");
  }
  if (format !== undefined) return format === "csv";
  return accepts(c, { header: "Accept", supports: ["application/json", "text/csv"], default: "application/json" }) === "text/csv";
}

/** A CSV body offered as a download named `filename`. */
export function csvResponse(c: Context<AppEnv>, csv: string, filename: string): Response {
  return c.body(csv, 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${filename}"` });
}

/** The filter `parse` reads from the query; a bad parameter is a 400 naming it. */
export function filterFromQuery<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof FilterQueryError) throw badRequest(`Invalid '${error.param}': ${error.message}.`, error.param, "invalid_value");
    throw error;
  }
}
