// The two cookies of signing in on the web, both sealed (AES-256-GCM, see
// access/secret-box.ts) so a browser holds nothing it could read or forge:
// `cgw_oauth` carries the web flow's state and PKCE verifier from the login
// redirect to the callback (ten minutes, only under /auth/github), and
// `cgw_session` says who signed in, for an hour, with the CSRF token the
// person's state-changing calls must echo in `x-csrf-token`. Both HttpOnly,
// SameSite=Lax (the callback is a top-level GET from GitHub, which Lax
// lets through), and Secure when the gateway is reached over https.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { SecretBox } from "../access/secret-box.js";
import { constantTimeEqual } from "./auth.js";

export const SESSION_COOKIE = "cgw_session";
export const OAUTH_COOKIE = "cgw_oauth";
export const SESSION_SECONDS = 3600;
export const OAUTH_SECONDS = 600;

export interface WebSession {
  personId: string;
  csrf: string;
  expiresAt: number;
}

export interface OAuthAttempt {
  state: string;
  verifier: string;
  expiresAt: number;
}

export class SignInCookies {
  private readonly secure: boolean;

  constructor(
    private readonly box: SecretBox,
    publicUrl: string,
    private readonly now: () => number = Date.now,
  ) {
    this.secure = publicUrl.startsWith("https:");
  }

  async setSession(c: Context, session: Omit<WebSession, "expiresAt">): Promise<void> {
    const value = await this.box.seal(JSON.stringify({ ...session, expiresAt: this.now() + SESSION_SECONDS * 1000 }), SESSION_COOKIE);
    setCookie(c, SESSION_COOKIE, value, { httpOnly: true, secure: this.secure, sameSite: "Lax", path: "/", maxAge: SESSION_SECONDS });
  }

  session(c: Context): Promise<WebSession | undefined> {
    return this.read<WebSession>(c, SESSION_COOKIE);
  }

  endSession(c: Context): void {
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: this.secure });
  }

  async setAttempt(c: Context, attempt: Omit<OAuthAttempt, "expiresAt">): Promise<void> {
    const value = await this.box.seal(JSON.stringify({ ...attempt, expiresAt: this.now() + OAUTH_SECONDS * 1000 }), OAUTH_COOKIE);
    setCookie(c, OAUTH_COOKIE, value, { httpOnly: true, secure: this.secure, sameSite: "Lax", path: "/auth/github", maxAge: OAUTH_SECONDS });
  }

  /** The attempt this browser started, used once: the cookie goes with the answer. */
  async takeAttempt(c: Context): Promise<OAuthAttempt | undefined> {
    const attempt = await this.read<OAuthAttempt>(c, OAUTH_COOKIE);
    deleteCookie(c, OAUTH_COOKIE, { path: "/auth/github", secure: this.secure });
    return attempt;
  }

  private async read<T extends { expiresAt: number }>(c: Context, name: string): Promise<T | undefined> {
    const sealed = getCookie(c, name);
    if (!sealed) return undefined;
    const opened = await this.box.open(sealed, name);
    if (opened === undefined) return undefined;
    const value = JSON.parse(opened) as T;
    return value.expiresAt > this.now() ? value : undefined;
  }
}

/** A state-changing call is the page's own: it echoes the session's CSRF token, and a browser's Origin, if sent, is the gateway's. */
export function isSameSiteCall(c: Context, session: WebSession, publicOrigin: string): boolean {
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== publicOrigin && origin !== new URL(c.req.url).origin) return false;
  const echoed = c.req.header("x-csrf-token") ?? "";
  return echoed !== "" && constantTimeEqual(echoed, session.csrf);
}
