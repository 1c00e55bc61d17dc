// The keys a user types into the console. Kept in this page's memory; written
// to the browser's localStorage only when the user ticks "remember", and
// removed from it when they untick or forget. Never sent anywhere but this gateway.
export type CredentialKind = "api" | "admin";

const STORAGE_KEYS: Record<CredentialKind, string> = { api: "cgw.console.api-key", admin: "cgw.console.admin-key" };
const inMemory: Partial<Record<CredentialKind, string>> = {};

export function readCredential(kind: CredentialKind): string | undefined {
  return inMemory[kind] ?? storage()?.getItem(STORAGE_KEYS[kind]) ?? undefined;
}

export function isRemembered(kind: CredentialKind): boolean {
  return storage()?.getItem(STORAGE_KEYS[kind]) != null;
}

export function saveCredential(kind: CredentialKind, value: string, remember: boolean): void {
  inMemory[kind] = value;
  if (remember) storage()?.setItem(STORAGE_KEYS[kind], value);
  else storage()?.removeItem(STORAGE_KEYS[kind]);
}

export function forgetCredential(kind: CredentialKind): void {
  delete inMemory[kind];
  storage()?.removeItem(STORAGE_KEYS[kind]);
}

/** localStorage, or undefined where the browser refuses it (private modes, storage disabled). */
export function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
