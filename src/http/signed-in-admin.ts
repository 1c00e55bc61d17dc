// Admins signing in as themselves: a request to /admin without the admin key
// is an admin's when its sign-in session names a person whom the admin
// rights (GATEWAY_ADMINS, GATEWAY_ADMIN_TEAM; access/admin-rights.ts) name an
// admin, asked with the person's own token. The browser sends the session
// cookie with every request to the gateway, so a change (anything but GET)
// must also carry the session's CSRF token, as on the person's own pages.
import type { Context } from "hono";
import type { AdminActor } from "../access/admin-audit.js";
import type { AdminRights } from "../access/admin-rights.js";
import type { AppEnv } from "../pipeline/app-env.js";
import type { SignInDeps } from "./sign-in-setup.js";
import { isSameSiteCall } from "./sign-in-session.js";

export function signedInAdmin(signIn: SignInDeps, rights: Pick<AdminRights, "actorFor">): (c: Context<AppEnv>) => Promise<AdminActor | undefined> {
  const publicOrigin = new URL(signIn.publicUrl).origin;
  return async (c) => {
    const session = await signIn.cookies.session(c);
    if (!session) return undefined;
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && !isSameSiteCall(c, session, publicOrigin)) return undefined;
    const person = await signIn.signIn.person(session.personId);
    if (!person || person.status === "disabled" || person.tokenState === "refused") return undefined;
    let token: string;
    try {
      token = await signIn.signIn.tokens.accessToken(person);
    } catch {
      // A grant that no longer works makes nobody an admin; the person signs in again.
      return undefined;
    }
    return rights.actorFor(person.login, token);
  };
}
