// The text forms the audits' filters share — GET /admin/tool-calls and
// /admin/audit, and their CLI commands: a moment and a count.
import { momentFromText } from "./usage-report.js";

const EPOCH_MS_PATTERN = /^\d{1,15}$/;

/** What `instantFromText` takes, for the messages that refuse something else. */
export const INSTANT_FORMS = "an ISO datetime with offset (2025-01-31T00:00:00Z), a date (2025-01-31) or milliseconds since the epoch";

/** Milliseconds for what the usage report takes (an ISO datetime with offset, YYYY-MM-DD at UTC midnight) or for milliseconds since the epoch; undefined for anything else. */
export function instantFromText(text: string): number | undefined {
  const trimmed = text.trim();
  return EPOCH_MS_PATTERN.test(trimmed) ? Number(trimmed) : momentFromText(trimmed);
}

/** A whole number from 1 to `max`; undefined for anything else. */
export function limitFromText(text: string, max: number): number | undefined {
  const limit = /^\d{1,7}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  return limit >= 1 && limit <= max ? limit : undefined;
}
