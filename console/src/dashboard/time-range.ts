// The periods the dashboard shows, and the buckets its charts are drawn in:
// hours for a day, days for longer. Buckets are UTC, as the usage report's.
import type { UsageGroup } from "../api/admin-api.js";

export const RANGES = {
  "24h": { label: "Last 24 hours", bucket: "hour", count: 24 },
  "7d": { label: "Last 7 days", bucket: "day", count: 7 },
  "30d": { label: "Last 30 days", bucket: "day", count: 30 },
} as const satisfies Record<string, { label: string; bucket: UsageGroup; count: number }>;

export type RangeName = keyof typeof RANGES;

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/** The start of every bucket in the range, oldest first; the last one holds `now`. */
export function bucketStarts(range: RangeName, now: number): number[] {
  const { bucket, count } = RANGES[range];
  const size = BUCKET_MS[bucket];
  const last = Math.floor(now / size) * size;
  return Array.from({ length: count }, (_, index) => last - (count - 1 - index) * size);
}

/** A bucket's label in a usage row (`2026-01-10` or `2026-01-10T09:00:00Z`) → its start. */
export function bucketStart(label: string): number {
  return Date.parse(label.length === 10 ? `${label}T00:00:00Z` : label);
}
