// The admin API's wire shapes (/admin/keys, /admin/usage, /admin/tool-calls,
// /admin/audit, /admin/people, /admin/status), for the routes that answer with them and the web console
// that reads them (console/src/api/admin-api.ts). Types only, taken from the code that makes
// the bodies: the console imports them with `import type`, so its bundle gets
// nothing from here, and a change on the server fails the console's typecheck.
import type { z } from "zod";
import type { AuditView } from "../access/admin-audit-report.js";
import type { KeyAdmin, KeyDetails, KeyView } from "../access/key-admin.js";
import type { PersonView } from "../access/people-admin.js";
import type { UsageGroup, UsageRow } from "../access/usage.js";
import type { usageReport } from "../access/usage-report.js";
import type { createKeyInput, updateKeyInput } from "../access/virtual-keys.js";
import type { ToolCallView } from "../tools/tool-call-report.js";

export type { UsageGroup, UsageRow, ToolCallView, AuditView, PersonView };

/** A key as GET /admin/keys lists it: never its secret. */
export type ApiKey = KeyView;

/** A key as GET, PATCH and DELETE /admin/keys/{id} answer: with what it spent in its budget's current period. */
export type ApiKeyDetails = KeyDetails;

/** POST /admin/keys: the new key, with its secret (the only time anyone sees it). */
export type NewApiKey = Awaited<ReturnType<KeyAdmin["create"]>>;

/** GET /admin/keys */
export interface ApiKeyList {
  object: "list";
  data: ApiKey[];
}

/** The body POST /admin/keys takes. */
export type CreateKeyRequest = z.input<typeof createKeyInput>;

/** The body PATCH /admin/keys/{id} takes: only the fields to change; null clears a limit. */
export type UpdateKeyRequest = z.input<typeof updateKeyInput>;

/** GET /admin/usage (JSON). */
export type UsageReport = ReturnType<typeof usageReport>;

/** GET /admin/tool-calls (JSON): the server-side tool calls the gateway ran, newest first. */
export interface ToolCallList {
  object: "list";
  data: ToolCallView[];
}

/** GET /admin/audit (JSON): the changes made through the admin API and the CLI, newest first, with who made them. */
export interface AdminChangeList {
  object: "list";
  data: AuditView[];
}

/** GET /admin/people (JSON): everyone who signed in with GitHub, by login, with their keys and last use. */
export interface PersonList {
  object: "list";
  data: PersonView[];
}

/** The body PATCH /admin/people/{id} takes: disabled stops all the person's keys at once; active restores them. */
export interface PersonStatusRequest {
  status: "active" | "disabled";
}

/** GET /admin/status: what this process is doing now (other processes have their own). */
export interface GatewayStatus {
  object: "gateway_status";
  turns: { in_flight: number; waiting: number };
  sessions: { live: number; suspended: number };
  streams_in_flight: number;
}
