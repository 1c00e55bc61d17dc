// The operations on virtual keys, shared by the admin API and the CLI:
// a secret is made here and returned once; only its hash is kept. Every
// change names who made it and is audited with the change (admin-audit.ts).
import type { AdminAction, AdminAuditRecord, ChangeOrigin, FieldChange } from "./admin-audit.js";
import { periodAround } from "./periods.js";
import type { UsageStore } from "./usage.js";
import {
  hashSecret,
  keyView,
  NANO_AIU_PER_CREDIT,
  newKeySecret,
  settingsFromCreate,
  settingsFromUpdate,
  type AuditOf,
  type CreateKeyInput,
  type KeyStore,
  type UpdateKeyInput,
  type VirtualKey,
} from "./virtual-keys.js";

export type KeyView = ReturnType<typeof keyView>;

/** A key with what it has spent in its budget's current period. */
export type KeyDetails = KeyView & {
  spent: { period_start: string; period_end: string; tokens: number; credits: number } | null;
};

export class KeyAdmin {
  constructor(
    private readonly keys: KeyStore,
    private readonly usage: UsageStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** The new key, with its secret: the only time the secret is seen (never in its audit record). */
  async create(input: CreateKeyInput, by: ChangeOrigin): Promise<KeyView & { key: string }> {
    const { id, secret, hint } = newKeySecret();
    const now = this.now();
    const key: VirtualKey = { id, hint, createdAt: now, updatedAt: now, ...settingsFromCreate(input) };
    await this.keys.create(key, await hashSecret(secret), auditOf("key.create", by, now));
    return { ...keyView(key), key: secret };
  }

  async list(): Promise<KeyView[]> {
    return (await this.keys.list()).map(keyView);
  }

  async show(id: string): Promise<KeyDetails | undefined> {
    const key = await this.keys.get(id);
    return key && this.details(key);
  }

  async update(id: string, input: UpdateKeyInput, by: ChangeOrigin): Promise<KeyDetails | undefined> {
    const now = this.now();
    const key = await this.keys.update(id, settingsFromUpdate(input), now, auditOf("key.update", by, now));
    return key && this.details(key);
  }

  /** Revoked for good: refused from the next request on, by every process. */
  async revoke(id: string, by: ChangeOrigin): Promise<KeyDetails | undefined> {
    const now = this.now();
    const key = await this.keys.update(id, { status: "revoked" }, now, auditOf("key.revoke", by, now));
    return key && this.details(key);
  }

  private async details(key: VirtualKey): Promise<KeyDetails> {
    if (key.budget === null) return { ...keyView(key), spent: null };
    const period = periodAround(key.budget.period, this.now());
    const spent = await this.usage.spent(key.id, period.start);
    return {
      ...keyView(key),
      spent: {
        period_start: new Date(period.start).toISOString(),
        period_end: new Date(period.end).toISOString(),
        tokens: spent.tokens,
        credits: spent.nanoAiu / NANO_AIU_PER_CREDIT,
      },
    };
  }
}

/** Fields of a key that are not its settings: they change with every write, or are never changed by a person. */
const NOT_SETTINGS = new Set(["id", "object", "hint", "created_at", "updated_at"]);

/** The settings that differ between two states of a key, as the admin API names and shows them. */
export function changedFields(before: VirtualKey | undefined, after: VirtualKey): Record<string, FieldChange> {
  const old: Record<string, unknown> | undefined = before && keyView(before);
  const changes: Record<string, FieldChange> = {};
  for (const [field, value] of Object.entries(keyView(after))) {
    if (NOT_SETTINGS.has(field)) continue;
    // A new key's unset fields (null, no owner, no MCP servers) are not news.
    if (old === undefined && (value === null || value === "" || (Array.isArray(value) && value.length === 0))) continue;
    const previous = old === undefined ? null : old[field];
    if (JSON.stringify(previous) !== JSON.stringify(value)) changes[field] = { from: previous, to: value };
  }
  return changes;
}

function auditOf(action: AdminAction, by: ChangeOrigin, at: number): AuditOf {
  return (before, after): AdminAuditRecord => ({
    id: crypto.randomUUID(),
    at,
    actor: by.actor,
    action,
    target: after.id,
    changes: changedFields(before, after),
    requestId: by.requestId,
  });
}
