// The operations on virtual keys, shared by the admin API and the CLI:
// a secret is made here and returned once; only its hash is kept.
import { periodAround } from "./periods.js";
import type { UsageStore } from "./usage.js";
import {
  hashSecret,
  keyView,
  NANO_AIU_PER_CREDIT,
  newKeySecret,
  settingsFromCreate,
  settingsFromUpdate,
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

  /** The new key, with its secret: the only time the secret is seen. */
  async create(input: CreateKeyInput): Promise<KeyView & { key: string }> {
    const { id, secret, hint } = newKeySecret();
    const now = this.now();
    const key: VirtualKey = { id, hint, createdAt: now, updatedAt: now, ...settingsFromCreate(input) };
    await this.keys.create(key, await hashSecret(secret));
    return { ...keyView(key), key: secret };
  }

  async list(): Promise<KeyView[]> {
    return (await this.keys.list()).map(keyView);
  }

  async show(id: string): Promise<KeyDetails | undefined> {
    const key = await this.keys.get(id);
    return key && this.details(key);
  }

  async update(id: string, input: UpdateKeyInput): Promise<KeyDetails | undefined> {
    const key = await this.keys.update(id, settingsFromUpdate(input), this.now());
    return key && this.details(key);
  }

  /** Revoked for good: refused from the next request on, by every process. */
  async revoke(id: string): Promise<KeyDetails | undefined> {
    const key = await this.keys.update(id, { status: "revoked" }, this.now());
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
