// The admin API (/admin), for the holder of GATEWAY_ADMIN_KEY: usage reports,
// virtual keys and the live status. Shapes as documented in the README.
import { readCredential } from "./credentials.js";
import { requestJson } from "./request-json.js";

export type UsageGroup = "key" | "owner" | "model" | "dialect" | "status" | "error" | "day" | "hour";

export interface UsageRow {
  group: Partial<Record<UsageGroup, string>>;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost: number;
  credits: number;
}

export interface KeyBudget {
  period: "day" | "month";
  tokens: number | null;
  credits: number | null;
}

export interface KeyView {
  id: string;
  name: string;
  owner: string;
  hint: string;
  status: "active" | "disabled" | "revoked";
  models: string[] | null;
  budget: KeyBudget | null;
  rpm_limit: number | null;
  max_parallel: number | null;
  expires_at: string | null;
  spent?: { period_start: string; period_end: string; tokens: number; credits: number } | null;
}

/** The fields POST /admin/keys and PATCH /admin/keys/{id} take; null clears a limit. */
export interface KeySettings {
  name?: string;
  owner?: string;
  models?: string[] | null;
  budget?: KeyBudget | null;
  rpm_limit?: number | null;
  max_parallel?: number | null;
  status?: "active" | "disabled";
}

export interface GatewayStatus {
  turns: { in_flight: number; waiting: number };
  sessions: { live: number; suspended: number };
  streams_in_flight: number;
}

const admin = () => readCredential("admin");

export function usageReport(groupBy: UsageGroup[], from: number): Promise<{ data: UsageRow[] }> {
  const query = new URLSearchParams({ group_by: groupBy.join(","), from: new Date(from).toISOString() });
  return requestJson(`/admin/usage?${query}`, { key: admin() });
}

export async function listKeys(): Promise<KeyView[]> {
  return (await requestJson<{ data: KeyView[] }>("/admin/keys", { key: admin() })).data;
}

/** One key with what it spent in its budget's current period. */
export function showKey(id: string): Promise<KeyView> {
  return requestJson(`/admin/keys/${encodeURIComponent(id)}`, { key: admin() });
}

/** The new key, with its secret: the only time anyone sees it. */
export function createKey(settings: KeySettings): Promise<KeyView & { key: string }> {
  return requestJson("/admin/keys", { method: "POST", body: settings, key: admin() });
}

export function updateKey(id: string, settings: KeySettings): Promise<KeyView> {
  return requestJson(`/admin/keys/${encodeURIComponent(id)}`, { method: "PATCH", body: settings, key: admin() });
}

export function revokeKey(id: string): Promise<KeyView> {
  return requestJson(`/admin/keys/${encodeURIComponent(id)}`, { method: "DELETE", key: admin() });
}

export function gatewayStatus(): Promise<GatewayStatus> {
  return requestJson("/admin/status", { key: admin() });
}
