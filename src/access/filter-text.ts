// The text forms the admin reports' filters share — GET /admin/usage,
// /admin/tool-calls and /admin/audit, and their CLI commands: the error that
// names a bad parameter, a time window, a count, a name.

/** Thrown for a bad filter parameter; `param` is its query name (the HTTP route answers 400 naming it, the CLI maps it to a flag). */
export class FilterQueryError<P extends string = string> extends Error {
  constructor(
    readonly param: P,
    message: string,
  ) {
    super(message);
  }
}

const EPOCH_MS_PATTERN = /^\d{1,15}$/;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

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

/** What `instantFromText` takes, for the messages that refuse something else. */
const INSTANT_FORMS = "an ISO datetime with offset (2025-01-31T00:00:00Z), a date (2025-01-31) or milliseconds since the epoch";

/** Milliseconds for what the usage report takes (an ISO datetime with offset, YYYY-MM-DD at UTC midnight) or for milliseconds since the epoch; undefined for anything else. */
function instantFromText(text: string): number | undefined {
  const trimmed = text.trim();
  return EPOCH_MS_PATTERN.test(trimmed) ? Number(trimmed) : momentFromText(trimmed);
}

/** A whole number from 1 to `max`; undefined for anything else. */
function limitFromText(text: string, max: number): number | undefined {
  const limit = /^\d{1,7}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  return limit >= 1 && limit <= max ? limit : undefined;
}

/**
 * `from` and `to` as the audits take them (instantFromText; `to` exclusive,
 * so later than `from`). Throws FilterQueryError naming the parameter.
 */
export function instantWindowFromText(text: { from?: string | undefined; to?: string | undefined }): { from?: number; to?: number } {
  const from = text.from === undefined ? undefined : instantParam("from", text.from);
  const to = text.to === undefined ? undefined : instantParam("to", text.to);
  if (from !== undefined && to !== undefined && to <= from) throw new FilterQueryError("to", "must be later than from (to is exclusive)");
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

function instantParam(param: "from" | "to", text: string): number {
  const moment = instantFromText(text);
  if (moment !== undefined) return moment;
  throw new FilterQueryError(param, `expected ${INSTANT_FORMS}, got ${JSON.stringify(text.trim().slice(0, 40))}`);
}

/** `limit`: 1 to `max`, `fallback` when absent. Throws FilterQueryError. */
export function limitParam(text: string | undefined, max: number, fallback: number): number {
  if (text === undefined) return fallback;
  const limit = limitFromText(text, max);
  if (limit !== undefined) return limit;
  throw new FilterQueryError("limit", `expected a whole number from 1 to ${max}, got ${JSON.stringify(text.slice(0, 40))}`);
}

/** A name to match exactly (a caller, a server, a key id): not empty, at most 200 characters. Throws FilterQueryError. */
export function nameParam<P extends string>(param: P, text: string): string {
  if (text === "") throw new FilterQueryError(param, "must not be empty");
  if (text.length > 200) throw new FilterQueryError(param, "must be at most 200 characters");
  return text;
}
