// `keys create|update` flags → the admin API's request body, validated by the
// same zod schemas (createKeyInput, updateKeyInput); a problem is reported
// under the flag the operator typed, not the JSON field behind it.
import type { z } from "zod";
import type { KeyView } from "../access/key-admin.js";
import { createKeyInput, updateKeyInput, type CreateKeyInput, type UpdateKeyInput } from "../access/virtual-keys.js";
import { momentFromText } from "../access/filter-text.js";
import { usageError } from "./cli-error.js";

/** The settings both commands take (node:util parseArgs options). */
export const KEY_SETTING_OPTIONS = {
  name: { type: "string" },
  owner: { type: "string" },
  models: { type: "string" },
  "mcp-servers": { type: "string" },
  "budget-period": { type: "string" },
  "budget-tokens": { type: "string" },
  "budget-credits": { type: "string" },
  rpm: { type: "string" },
  "max-parallel": { type: "string" },
  expires: { type: "string" },
} as const;

/** What only `keys update` takes: status switches and the ways to lift a limit. */
export const KEY_UPDATE_OPTIONS = {
  enable: { type: "boolean" },
  disable: { type: "boolean" },
  "no-budget": { type: "boolean" },
  "all-models": { type: "boolean" },
  "no-mcp-servers": { type: "boolean" },
  "no-rpm": { type: "boolean" },
  "no-max-parallel": { type: "boolean" },
  "no-expiry": { type: "boolean" },
} as const;

export const KEY_SETTINGS_HELP = [
  "  --owner <owner>            Who the key is for (usage reports group by it).",
  "  --models <a,b,...>         Served model ids the key may use; default: any.",
  "  --mcp-servers <a,b,...>    The operator's MCP servers the key may use, by name; * for all.",
  "                             Default: none; \"\" also means none.",
  "  --budget-period day|month  A budget's calendar period (UTC).",
  "  --budget-tokens <n>        Input plus output tokens per period.",
  "  --budget-credits <x>       AI credits per period.",
  "  --rpm <n>                  Requests per minute.",
  "  --max-parallel <n>         Requests at the same time.",
  "  --expires <when>           ISO datetime with offset, YYYY-MM-DD (UTC midnight), or from now: 30d, 12h.",
];

export const KEY_UPDATE_HELP = [
  "  --enable | --disable       Turn the key on or off (a revoked key stays revoked).",
  "  --all-models               Lift the model list.",
  "  --no-mcp-servers           Take away every MCP server grant.",
  "  --no-budget                Lift the budget.",
  "  --no-rpm                   Lift the request rate limit.",
  "  --no-max-parallel          Lift the parallel request limit.",
  "  --no-expiry                The key never expires.",
];

type SettingFlag = keyof typeof KEY_SETTING_OPTIONS;
type UpdateFlag = keyof typeof KEY_UPDATE_OPTIONS;
export type KeyFlags = Partial<Record<SettingFlag, string>> & Partial<Record<UpdateFlag, boolean>>;

/** The JSON field each flag sets, as zod reports it (dotted path), and back. */
const FLAG_OF_FIELD: Record<string, string> = {
  name: "--name",
  owner: "--owner",
  models: "--models",
  mcp_servers: "--mcp-servers",
  budget: "--budget-tokens or --budget-credits",
  "budget.period": "--budget-period",
  "budget.tokens": "--budget-tokens",
  "budget.credits": "--budget-credits",
  rpm_limit: "--rpm",
  max_parallel: "--max-parallel",
  expires_at: "--expires",
  status: "--enable or --disable",
};

const BUDGET_FLAGS = ["budget-period", "budget-tokens", "budget-credits"] as const;
const EXPIRES_FORMS = "an ISO datetime with offset (2026-01-31T00:00:00Z), a date (2026-01-31) or a duration from now (30d, 12h)";

export function createInputFromFlags(flags: KeyFlags, now: number): CreateKeyInput {
  const body = settingsBody(flags, now);
  const budget = budgetFlags(flags);
  if (budget) body.budget = budget;
  return validated(createKeyInput, body, flags);
}

/** An update as the flags give it, checked as far as it can be without reading the key. */
export interface PendingUpdate {
  flags: KeyFlags;
  body: Record<string, unknown>;
  /** The budget flags given, to be merged into the key's current budget. */
  budget?: BudgetFlags;
}

/** Everything but a budget is validated here, before the database is opened. Throws a usage error when nothing would change. */
export function readUpdateFlags(flags: KeyFlags, now: number): PendingUpdate {
  for (const [setting, lifting] of [
    ["models", "all-models"],
    ["mcp-servers", "no-mcp-servers"],
    ["rpm", "no-rpm"],
    ["max-parallel", "no-max-parallel"],
    ["expires", "no-expiry"],
  ] as const) {
    if (flags[setting] !== undefined && flags[lifting]) throw usageError(`--${setting} and --${lifting} cannot be used together`);
  }
  const budgetFlag = BUDGET_FLAGS.find((flag) => flags[flag] !== undefined);
  if (budgetFlag && flags["no-budget"]) throw usageError(`--${budgetFlag} and --no-budget cannot be used together`);
  if (flags.enable && flags.disable) throw usageError("--enable and --disable cannot be used together");

  const body = settingsBody(flags, now);
  if (flags["all-models"]) body.models = null;
  if (flags["no-mcp-servers"]) body.mcp_servers = null;
  if (flags["no-budget"]) body.budget = null;
  if (flags["no-rpm"]) body.rpm_limit = null;
  if (flags["no-max-parallel"]) body.max_parallel = null;
  if (flags["no-expiry"]) body.expires_at = null;
  if (flags.enable) body.status = "active";
  if (flags.disable) body.status = "disabled";
  const budget = budgetFlags(flags);
  if (Object.keys(body).length === 0 && !budget) throw usageError("nothing to change: give at least one setting (see --help)");
  validated(updateKeyInput, body, flags);
  return { flags, body, ...(budget ? { budget } : {}) };
}

/**
 * The request body for the update. Budget flags change what they name and keep
 * the rest of the key's current budget, so `--budget-tokens 5000` alone keeps the period.
 */
export function updateInputFrom(pending: PendingUpdate, currentBudget: KeyView["budget"]): UpdateKeyInput {
  if (!pending.budget) return validated(updateKeyInput, pending.body, pending.flags);
  const budget = { ...budgetFlagsOf(currentBudget), ...pending.budget };
  return validated(updateKeyInput, { ...pending.body, budget }, pending.flags);
}

type BudgetFlags = { period?: string; tokens?: number; credits?: number };

function budgetFlags(flags: KeyFlags): BudgetFlags | undefined {
  if (!BUDGET_FLAGS.some((flag) => flags[flag] !== undefined)) return undefined;
  const tokens = numberFlag(flags, "budget-tokens");
  const credits = numberFlag(flags, "budget-credits");
  return {
    ...(flags["budget-period"] !== undefined ? { period: flags["budget-period"] } : {}),
    ...(tokens !== undefined ? { tokens } : {}),
    ...(credits !== undefined ? { credits } : {}),
  };
}

function budgetFlagsOf(budget: KeyView["budget"]): BudgetFlags {
  if (!budget) return {};
  return { period: budget.period, ...(budget.tokens !== null ? { tokens: budget.tokens } : {}), ...(budget.credits !== null ? { credits: budget.credits } : {}) };
}

function settingsBody(flags: KeyFlags, now: number): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (flags.name !== undefined) body.name = flags.name;
  if (flags.owner !== undefined) body.owner = flags.owner;
  if (flags.models !== undefined) body.models = listFlag(flags.models);
  // "" is the empty list: for grants that is a valid answer (none), unlike for models.
  if (flags["mcp-servers"] !== undefined) body.mcp_servers = listFlag(flags["mcp-servers"]);
  if (flags.rpm !== undefined) body.rpm_limit = numberFlag(flags, "rpm");
  if (flags["max-parallel"] !== undefined) body.max_parallel = numberFlag(flags, "max-parallel");
  if (flags.expires !== undefined) body.expires_at = expiresAt(flags.expires, now);
  return body;
}

/** `a, b,` → ["a", "b"]. */
function listFlag(text: string): string[] {
  return text.split(",").map((item) => item.trim()).filter((item) => item !== "");
}

function numberFlag(flags: KeyFlags, flag: "budget-tokens" | "budget-credits" | "rpm" | "max-parallel"): number | undefined {
  const text = flags[flag];
  if (text === undefined) return undefined;
  const value = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(value)) throw usageError(`--${flag} must be a number (got ${JSON.stringify(text.slice(0, 40))})`);
  return value;
}

/** `30d` and `12h` count from now, a date is its UTC midnight, a datetime is itself: as UTC ISO text, the schema's form. */
function expiresAt(text: string, now: number): string {
  const duration = /^(\d+)\s*([dh])$/i.exec(text.trim());
  if (duration) return new Date(now + Number(duration[1]) * (duration[2]!.toLowerCase() === "d" ? 86_400_000 : 3_600_000)).toISOString();
  const moment = momentFromText(text);
  if (moment === undefined) throw usageError(`--expires must be ${EXPIRES_FORMS} (got ${JSON.stringify(text.slice(0, 40))})`);
  return new Date(moment).toISOString();
}

function validated<T>(schema: z.ZodType<T>, body: Record<string, unknown>, flags: KeyFlags): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw usageError(describeIssue(result.error.issues[0]!, body, flags));
}

function describeIssue(issue: z.core.$ZodIssue, body: Record<string, unknown>, flags: KeyFlags): string {
  const field = issue.path.filter((key) => typeof key === "string").join(".");
  const flag = FLAG_OF_FIELD[field] ?? `--${field}`;
  if (field === "budget") return "a budget needs --budget-tokens or --budget-credits (or both)";
  let value: unknown = body;
  for (const key of issue.path) value = value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  if (value === undefined) return field === "budget.period" ? "--budget-period is required for a budget (day or month)" : `${flag} is required`;
  const typed = flag.startsWith("--") && !flag.includes(" ") ? flags[flag.slice(2) as SettingFlag] : undefined;
  return `${flag}: ${issue.message}${typeof typed === "string" ? ` (got ${JSON.stringify(typed.slice(0, 40))})` : ""}`;
}
