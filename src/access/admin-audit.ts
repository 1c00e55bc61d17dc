// The audit of admin changes: every change made through the admin API or the
// CLI is written down with who made it, when, what changed and from which
// request — in the same database transaction as the change itself, so no
// change is ever applied without its record (a store that is out refuses
// both, with the usual 503). Secrets are never part of a record: a new key's
// secret is not a field, and only the key's settings are compared
// (key-admin.ts makes the records).

/**
 * Who made a change. `admin-key`: a request presenting GATEWAY_ADMIN_KEY;
 * `cli`: `copilot-gateway` run by this operating-system user; `github`: a
 * person signed in with GitHub whom the admin rights (admin-rights.ts) found
 * to be an admin.
 */
export type AdminActor = { kind: "admin-key" } | { kind: "cli"; user: string } | { kind: "github"; login: string };

export type AdminActorKind = AdminActor["kind"];

export const ADMIN_ACTOR_KINDS: readonly AdminActorKind[] = ["admin-key", "cli", "github"];

/** Who made a change and through which request (none from the CLI): what every change through KeyAdmin names. */
export interface ChangeOrigin {
  actor: AdminActor;
  requestId: string | null;
}

export type AdminAction = "key.create" | "key.update" | "key.revoke" | "person.disable" | "person.enable";

export const ADMIN_ACTIONS: readonly AdminAction[] = ["key.create", "key.update", "key.revoke", "person.disable", "person.enable"];

/** One field's value before and after, as the admin API shows keys and people; `from` is null for a key just made. */
export interface FieldChange {
  from: unknown;
  to: unknown;
}

export interface AdminAuditRecord {
  id: string;
  /** ms since the epoch. */
  at: number;
  actor: AdminActor;
  action: AdminAction;
  /** What was changed: a key id, or a person's id (`person_…`). */
  target: string;
  /** The fields whose value changed, by their admin API name; `{}` for a change that changed nothing (revoking a revoked key). */
  changes: Record<string, FieldChange>;
  requestId: string | null;
}

export interface AdminAuditFilter {
  /** Inclusive, ms since the epoch. */
  from?: number;
  /** Exclusive, ms since the epoch. */
  to?: number;
  /** A kind (`admin-key`, `cli`, `github`) matches every actor of it; else one actor as `actorName` writes it (`cli:alice`, `github:octocat`). */
  actor?: string;
  action?: AdminAction;
  target?: string;
  /** At most this many, the newest first. */
  limit?: number;
}

/** Reads the audit; records are written by the store that applies the change (KeyStore), never on their own. */
export interface AdminAuditStore {
  list(filter: AdminAuditFilter): Promise<AdminAuditRecord[]>;
}

/** An actor in one string, as records are filtered and shown: `admin-key`, `cli:<user>`, `github:<login>`. */
export function actorName(actor: AdminActor): string {
  if (actor.kind === "admin-key") return "admin-key";
  return actor.kind === "cli" ? `cli:${actor.user}` : `github:${actor.login}`;
}

/** The actor `actorName` wrote; undefined for a string it cannot have written. */
export function actorFromName(name: string): AdminActor | undefined {
  if (name === "admin-key") return { kind: "admin-key" };
  const [kind, ...rest] = name.split(":");
  const who = rest.join(":");
  if (who === "") return undefined;
  if (kind === "cli") return { kind: "cli", user: who };
  if (kind === "github") return { kind: "github", login: who };
  return undefined;
}
