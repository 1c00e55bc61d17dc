// Which form an admin report is answered in: `format=json|csv` when given,
// else the Accept header (a spreadsheet's `text/csv`), else JSON.
import type { Context } from "hono";
import { accepts } from "hono/accepts";
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
