// Calendar periods in UTC, for budgets: a day from midnight, a month from its first.
import type { BudgetPeriod } from "./virtual-keys.js";

export interface PeriodBounds {
  start: number;
  end: number;
}

export function periodAround(period: BudgetPeriod, now: number): PeriodBounds {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (period === "day") {
    const start = Date.UTC(year, month, date.getUTCDate());
    return { start, end: start + 86_400_000 };
  }
  return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
}

/** The minute a moment falls in, for per-minute request limits. */
export function minuteAround(now: number): PeriodBounds {
  const start = now - (now % 60_000);
  return { start, end: start + 60_000 };
}
