// The signed-in person's own API (/auth/me, /auth/keys): the session cookie
// identifies them, and every change echoes the session's CSRF token, which
// only this page (same origin) can read from /auth/me.
import { errorFromResponse } from "./api-error.js";

export interface PersonalKey {
  id: string;
  name: string;
  hint: string;
  status: "active" | "disabled" | "revoked";
  created_at: string;
  updated_at: string;
}

export interface Me {
  object: "person";
  login: string;
  github_id: number;
  seat: "active" | "none" | "unknown";
  status: "active" | "disabled";
  token_state: "valid" | "refused";
  token_problem: string | null;
  keys: PersonalKey[];
  csrf_token: string;
}

/** Who is signed in, or undefined when nobody is (or sign-in is not set up: then `enabled` is false). */
export async function fetchMe(): Promise<{ enabled: boolean; me?: Me }> {
  const response = await fetch("/auth/me", { headers: { accept: "application/json" }, credentials: "same-origin" });
  if (response.status === 401) return { enabled: true };
  if (response.status === 404) return { enabled: false };
  if (!response.ok) throw await errorFromResponse(response);
  return { enabled: true, me: (await response.json()) as Me };
}

async function change<T>(me: Me, method: "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T | undefined> {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { accept: "application/json", "x-csrf-token": me.csrf_token, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw await errorFromResponse(response);
  return response.status === 204 ? undefined : ((await response.json()) as T);
}

export const createPersonalKey = (me: Me, name: string) => change<PersonalKey & { key: string }>(me, "POST", "/auth/keys", { name }) as Promise<PersonalKey & { key: string }>;
export const renamePersonalKey = (me: Me, id: string, name: string) => change<PersonalKey>(me, "PATCH", `/auth/keys/${encodeURIComponent(id)}`, { name });
export const revokePersonalKey = (me: Me, id: string) => change<PersonalKey>(me, "DELETE", `/auth/keys/${encodeURIComponent(id)}`);
export const signOut = (me: Me) => change<never>(me, "POST", "/auth/logout");
