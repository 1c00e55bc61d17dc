// Turns a zod issue into the 400 an OpenAI client expects: `param` is the path
// in OpenAI's notation (`messages[2].content[1]`, `response_format.json_schema.schema`)
// and the message names that path, as OpenAI's own errors do, so a user reading
// a client's error toast knows which field to fix.
import type { z } from "zod";
import { badRequest, type GatewayError } from "../../core/gateway-error.js";

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** `["messages", 2, "content", 1]` → `messages[2].content[1]`; the empty path → null. */
export function formatParam(path: Path): string | null {
  let param = "";
  for (const key of path) {
    if (typeof key === "number") param += `[${key}]`;
    else param += param === "" ? String(key) : `.${String(key)}`;
  }
  return param === "" ? null : param;
}

/**
 * The 400 for one issue. `root` is the value that was validated and `rootPath`
 * where it sits in the request body (parts are validated one at a time).
 */
export function issueToBadRequest(issue: Issue, root: unknown, rootPath: Path = []): GatewayError {
  const specific = mostSpecific(issue);
  const param = formatParam([...rootPath, ...specific.path]);
  const received = valueAt(root, specific.path);
  const name = param ?? "body";
  if (received === undefined) {
    return badRequest(`Missing required parameter: '${name}'.`, param, "missing_required_parameter");
  }
  const code = specific.code === "invalid_type" ? "invalid_type" : "invalid_value";
  return badRequest(`Invalid '${name}': ${specific.message}, got ${describe(received)}.`, param, code);
}

/**
 * A union reports one issue per branch. When exactly one branch accepted the
 * value's type (`[{"type":3}]` is an array, so the parts branch), its issue is
 * the one that points at the real mistake; otherwise the union's own message,
 * which lists the accepted shapes, is the most useful.
 */
function mostSpecific(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  const typeMatched = issue.errors.filter(
    (branch) => !branch.some((inner) => inner.code === "invalid_type" && inner.path.length === 0),
  );
  const inner = typeMatched.length === 1 ? typeMatched[0]?.[0] : undefined;
  if (inner === undefined) return issue;
  return mostSpecific({ ...inner, path: [...issue.path, ...inner.path] } as Issue);
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return value === "" ? "an empty string" : JSON.stringify(shown);
  }
  return String(value);
}
