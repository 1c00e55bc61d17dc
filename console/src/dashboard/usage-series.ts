// Usage rows grouped by (bucket, split) → one series per key, person or model,
// with a value for every bucket (zero where nothing happened), ready to draw.
import type { UsageGroup, UsageRow } from "../api/admin-api.js";
import { bucketStart } from "./time-range.js";

export const METRICS = {
  requests: { title: "Requests", value: (row: UsageRow) => row.requests },
  tokens: { title: "Tokens (in + out)", value: (row: UsageRow) => row.input_tokens + row.output_tokens },
  credits: { title: "AI credits", value: (row: UsageRow) => row.credits },
} as const;

export type Metric = keyof typeof METRICS;

export interface ChartSeries {
  label: string;
  values: number[];
  total: number;
}

export interface ChartData {
  starts: number[];
  series: ChartSeries[];
}

/** The `maxSeries` largest groups by this metric, one series each; the rest summed as "others". */
export function pivotUsage(rows: readonly UsageRow[], options: { starts: number[]; bucket: UsageGroup; split: UsageGroup; metric: Metric; labelOf: (value: string) => string; maxSeries?: number }): ChartData {
  const { starts, bucket, split, metric, labelOf, maxSeries = 6 } = options;
  const index = new Map(starts.map((start, position) => [start, position]));
  const byGroup = new Map<string, number[]>();
  for (const row of rows) {
    const position = index.get(bucketStart(row.group[bucket] ?? ""));
    if (position === undefined) continue;
    const group = row.group[split] ?? "";
    const values = byGroup.get(group) ?? starts.map(() => 0);
    values[position] = (values[position] ?? 0) + METRICS[metric].value(row);
    byGroup.set(group, values);
  }
  const ranked = [...byGroup.entries()].map(([group, values]) => ({ label: labelOf(group), values, total: sum(values) })).sort((a, b) => b.total - a.total);
  const shown = ranked.slice(0, maxSeries);
  const rest = ranked.slice(maxSeries);
  if (rest.length > 0) {
    const values = starts.map((_, position) => sum(rest.map((series) => series.values[position] ?? 0)));
    shown.push({ label: `${rest.length} others`, values, total: sum(values) });
  }
  return { starts, series: shown };
}

// Distinct at a glance and at least 3:1 against white (WCAG's contrast for graphics); grey is for "others".
const COLOURS = ["#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0f766e"];
const OTHERS_COLOUR = "#6b7280";

/** A colour per series label, in the order of `ranked` (the largest first), the same in every chart drawn with it. */
export function seriesColours(ranked: readonly ChartSeries[]): (label: string) => string {
  const colours = new Map(ranked.map((series, index) => [series.label, COLOURS[index % COLOURS.length]!]));
  return (label) => colours.get(label) ?? OTHERS_COLOUR;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
