// Virtual keys: what a key may do, how its secret is made and recognised, and
// the one request shape for creating and changing keys that the admin API and
// the CLI share. Web-standard only (Web Crypto); the database is behind KeyStore.
import { z } from "zod";
import type { AdminAuditRecord } from "./admin-audit.js";

export type BudgetPeriod = "day" | "month";
export type KeyStatus = "active" | "disabled" | "revoked";

/** A spending limit per calendar period (UTC). Either measure may be absent. */
export interface Budget {
  period: BudgetPeriod;
  /** Input plus output tokens. */
  tokens: number | null;
  /** AI credits in nano-AIU, as the runtime reports them (`copilotUsage.totalNanoAiu`); 1 credit = 10^9. */
  nanoAiu: number | null;
}

export interface VirtualKey {
  id: string;
  name: string;
  owner: string;
  /** The secret's last characters, so its owner can tell it from another. */
  hint: string;
  /** The served model ids it may use; null: any. */
  models: string[] | null;
  /**
   * The operator's MCP servers its sessions may run, by name; `*`: every one.
   * Empty: none. Never on by default: a key is granted only what is listed.
   */
  mcpServers: string[];
  budget: Budget | null;
  rpmLimit: number | null;
  maxParallel: number | null;
  /** Milliseconds since the epoch; null: never. */
  expiresAt: number | null;
  status: KeyStatus;
  createdAt: number;
  updatedAt: number;
  /** A personal key's owner (access/people.ts): it runs on their Copilot seat. Absent on the admin's keys. */
  personId?: string;
}

/** What can be set on a key; on an update every field is optional and null clears a limit. */
export type KeySettings = Omit<VirtualKey, "id" | "hint" | "createdAt" | "updatedAt">;

/** Makes the audit record of a change from the key before it (undefined: being created) and after; the store calls it inside the change's transaction. */
export type AuditOf = (before: VirtualKey | undefined, after: VirtualKey) => AdminAuditRecord;

/**
 * Where keys live. A change given an `audit` writes the record it makes in
 * the same transaction as the change: both are kept, or neither.
 */
export interface KeyStore {
  create(key: VirtualKey, secretHash: string, audit?: AuditOf): Promise<void>;
  list(): Promise<VirtualKey[]>;
  get(id: string): Promise<VirtualKey | undefined>;
  findBySecretHash(secretHash: string): Promise<VirtualKey | undefined>;
  /** The key after the change; undefined when there is no such key. */
  update(id: string, changes: Partial<KeySettings>, now: number, audit?: AuditOf): Promise<VirtualKey | undefined>;
  /** Keys changed (created, updated, revoked) at or after `since`, by any process: what remembered keys follow (remembered-keys.ts). */
  changedSince?(since: number): Promise<VirtualKey[]>;
  /** A person's own keys (sign-in), revoked ones too. */
  listOfPerson?(personId: string): Promise<VirtualKey[]>;
}

export const NANO_AIU_PER_CREDIT = 1_000_000_000;
const SECRET_PREFIX = "sk-cgw-";

/** A new secret (256 random bits) and the key id it goes with. */
export function newKeySecret(): { id: string; secret: string; hint: string } {
  const secret = SECRET_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(32)));
  const id = `key_${hex(crypto.getRandomValues(new Uint8Array(8)))}`;
  return { id, secret, hint: `${SECRET_PREFIX}…${secret.slice(-4)}` };
}

/**
 * SHA-256 of a presented secret, hex. A plain hash is enough: the secrets are
 * 256 random bits, not passwords, so there is nothing for a slow hash to stretch.
 */
export async function hashSecret(secret: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret))));
}

/** Why a key cannot be used now, or undefined when it can. */
export function unusableReason(key: VirtualKey, now: number): string | undefined {
  if (key.status === "revoked") return "This API key has been revoked.";
  if (key.status === "disabled") return "This API key is disabled.";
  if (key.expiresAt !== null && key.expiresAt <= now) return `This API key expired at ${new Date(key.expiresAt).toISOString()}.`;
  return undefined;
}

// ---- The request shape shared by POST/PATCH /admin/keys and `copilot-gateway keys` ----

const positiveInteger = z.number().int().positive();
const budgetInput = z
  .object({
    period: z.enum(["day", "month"]),
    tokens: positiveInteger.nullish(),
    credits: z.number().positive().nullish(),
  })
  .strict()
  .refine((budget) => budget.tokens != null || budget.credits != null, { message: "a budget needs tokens or credits (or both)" });

/** Grants name servers as the operator's configuration names them; `*` grants all, so it stands alone. */
const MCP_SERVER_NAME = /^(?:\*|[A-Za-z0-9_-]{1,64})$/;
const mcpServersInput = z
  .array(z.string().regex(MCP_SERVER_NAME, { message: 'must be a server name (1 to 64 of A-Z, a-z, 0-9, "_" and "-") or "*"' }))
  .max(100)
  .refine((names) => !names.includes("*") || names.length === 1, { message: '"*" grants every server and must be the only entry' });

const keyFields = {
  name: z.string().trim().min(1).max(200),
  owner: z.string().trim().max(200),
  models: z.array(z.string().trim().min(1)).min(1).nullable(),
  /** null and [] both mean none. */
  mcp_servers: mcpServersInput.nullable(),
  budget: budgetInput.nullable(),
  rpm_limit: positiveInteger.nullable(),
  max_parallel: positiveInteger.nullable(),
  expires_at: z.iso.datetime({ offset: true }).nullable(),
};

export const createKeyInput = z.object(keyFields).partial().required({ name: true }).strict();

export const updateKeyInput = z
  .object({ ...keyFields, status: z.enum(["active", "disabled"]) })
  .partial()
  .strict();

export type CreateKeyInput = z.infer<typeof createKeyInput>;
export type UpdateKeyInput = z.infer<typeof updateKeyInput>;

/** The stored settings of a new key. */
export function settingsFromCreate(input: CreateKeyInput): KeySettings {
  return {
    name: input.name,
    owner: input.owner ?? "",
    models: input.models ?? null,
    mcpServers: mcpServersFrom(input.mcp_servers),
    budget: input.budget ? budgetFrom(input.budget) : null,
    rpmLimit: input.rpm_limit ?? null,
    maxParallel: input.max_parallel ?? null,
    expiresAt: input.expires_at ? Date.parse(input.expires_at) : null,
    status: "active",
  };
}

/** Only the fields the update names; null clears. */
export function settingsFromUpdate(input: UpdateKeyInput): Partial<KeySettings> {
  const changes: Partial<KeySettings> = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.owner !== undefined) changes.owner = input.owner;
  if (input.models !== undefined) changes.models = input.models;
  if (input.mcp_servers !== undefined) changes.mcpServers = mcpServersFrom(input.mcp_servers);
  if (input.budget !== undefined) changes.budget = input.budget === null ? null : budgetFrom(input.budget);
  if (input.rpm_limit !== undefined) changes.rpmLimit = input.rpm_limit;
  if (input.max_parallel !== undefined) changes.maxParallel = input.max_parallel;
  if (input.expires_at !== undefined) changes.expiresAt = input.expires_at === null ? null : Date.parse(input.expires_at);
  if (input.status !== undefined) changes.status = input.status;
  return changes;
}

function mcpServersFrom(names: readonly string[] | null | undefined): string[] {
  return [...new Set(names ?? [])];
}

function budgetFrom(input: z.infer<typeof budgetInput>): Budget {
  return {
    period: input.period,
    tokens: input.tokens ?? null,
    nanoAiu: input.credits == null ? null : Math.round(input.credits * NANO_AIU_PER_CREDIT),
  };
}

/** A key as the admin API and the CLI show it: snake_case, times as ISO strings, credits as decimals. */
export function keyView(key: VirtualKey) {
  return {
    id: key.id,
    object: "api_key" as const,
    name: key.name,
    owner: key.owner,
    hint: key.hint,
    status: key.status,
    models: key.models,
    /** Always a list: [] when the key is granted none. */
    mcp_servers: key.mcpServers,
    budget: key.budget && {
      period: key.budget.period,
      tokens: key.budget.tokens,
      credits: key.budget.nanoAiu === null ? null : key.budget.nanoAiu / NANO_AIU_PER_CREDIT,
    },
    rpm_limit: key.rpmLimit,
    max_parallel: key.maxParallel,
    expires_at: key.expiresAt === null ? null : new Date(key.expiresAt).toISOString(),
    created_at: new Date(key.createdAt).toISOString(),
    updated_at: new Date(key.updatedAt).toISOString(),
    ...(key.personId ? { person_id: key.personId } : {}),
  };
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
