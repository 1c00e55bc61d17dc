// The admin API (/admin), for the holder of GATEWAY_ADMIN_KEY or an admin
// signed in with GitHub (whose session cookie the browser sends): usage reports,
// virtual keys, the tool-call audit, the audit of admin changes, the people who signed in and the live status. The shapes are the server's own
// (src/http/admin-api.ts), imported as types only: no server code is bundled,
// and a server change that breaks this page fails `npm run typecheck`.
import type {
  AdminChangeList,
  ApiKey,
  ApiKeyDetails,
  ApiKeyList,
  CreateKeyRequest,
  GatewayStatus,
  NewApiKey,
  PersonList,
  PersonStatusRequest,
  PersonView,
  ToolCallList,
  UpdateKeyRequest,
  UsageGroup,
  UsageReport,
} from "../../../src/http/admin-api.js";
import { ApiError } from "./api-error.js";
import { readCredential } from "./credentials.js";
import { fetchMe } from "./me-api.js";
import { requestJson } from "./request-json.js";

export type { AuditView, GatewayStatus, PersonView, ToolCallView, UsageGroup, UsageRow } from "../../../src/http/admin-api.js";

/** A key as the dashboard holds it: as listed, with what it spent when it was fetched on its own (keys with a budget). */
export type KeyView = ApiKey & Partial<Pick<ApiKeyDetails, "spent">>;

/** What the key form sends: POST /admin/keys takes all of it but status, PATCH /admin/keys/{id} any of it. */
export type KeySettings = CreateKeyRequest & UpdateKeyRequest;

const admin = () => readCredential("admin");

let sessionCsrf: Promise<string | undefined> | undefined;
/** Without the admin key, a signed-in admin's changes carry their session's CSRF token (read once from /auth/me). */
async function csrf(): Promise<string | undefined> {
  if (admin()) return undefined;
  sessionCsrf ??= fetchMe().then(
    (state) => state.me?.csrf_token,
    () => undefined,
  );
  return sessionCsrf;
}

export function usageReport(groupBy: UsageGroup[], from: number): Promise<UsageReport> {
  const query = new URLSearchParams({ group_by: groupBy.join(","), from: new Date(from).toISOString() });
  return requestJson(`/admin/usage?${query}`, { key: admin() });
}

/** The latest server-side tool calls since `from`, newest first; undefined when the gateway keeps no audit (a 404). */
export async function latestToolCalls(from: number, limit: number): Promise<ToolCallList["data"] | undefined> {
  const query = new URLSearchParams({ from: new Date(from).toISOString(), limit: String(limit) });
  try {
    return (await requestJson<ToolCallList>(`/admin/tool-calls?${query}`, { key: admin() })).data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** The latest admin changes since `from`, newest first; undefined when the gateway serves no audit (a 404). */
export async function latestAdminChanges(from: number, limit: number): Promise<AdminChangeList["data"] | undefined> {
  const query = new URLSearchParams({ from: new Date(from).toISOString(), limit: String(limit) });
  try {
    return (await requestJson<AdminChangeList>(`/admin/audit?${query}`, { key: admin() })).data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

export async function listKeys(): Promise<ApiKey[]> {
  return (await requestJson<ApiKeyList>("/admin/keys", { key: admin() })).data;
}

/** One key with what it spent in its budget's current period. */
export function showKey(id: string): Promise<ApiKeyDetails> {
  return requestJson(`/admin/keys/${encodeURIComponent(id)}`, { key: admin() });
}

/** The new key, with its secret: the only time anyone sees it. */
export async function createKey(settings: CreateKeyRequest): Promise<NewApiKey> {
  return requestJson("/admin/keys", { method: "POST", body: settings, key: admin(), csrf: await csrf() });
}

export async function updateKey(id: string, settings: UpdateKeyRequest): Promise<ApiKeyDetails> {
  return requestJson(`/admin/keys/${encodeURIComponent(id)}`, { method: "PATCH", body: settings, key: admin(), csrf: await csrf() });
}

export async function revokeKey(id: string): Promise<ApiKeyDetails> {
  return requestJson(`/admin/keys/${encodeURIComponent(id)}`, { method: "DELETE", key: admin(), csrf: await csrf() });
}

/** Everyone who signed in with GitHub; undefined when the gateway has no sign-in (a 404). */
export async function listPeople(): Promise<PersonView[] | undefined> {
  try {
    return (await requestJson<PersonList>("/admin/people", { key: admin() })).data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** Disables a person (all their keys stop at once) or enables them again. */
export async function setPersonStatus(id: string, status: PersonStatusRequest["status"]): Promise<PersonView> {
  return requestJson(`/admin/people/${encodeURIComponent(id)}`, { method: "PATCH", body: { status } satisfies PersonStatusRequest, key: admin(), csrf: await csrf() });
}

export function gatewayStatus(): Promise<GatewayStatus> {
  return requestJson("/admin/status", { key: admin() });
}
