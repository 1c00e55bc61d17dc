// Signing in on the web and a person's own keys (the console's "Your keys"
// page). GET /auth/github/login sends the browser to GitHub with a fresh
// `state` and a PKCE challenge (S256), both kept sealed in a cookie; GET
// /auth/github/callback checks the state, exchanges the code with the
// verifier, keeps the person's grant sealed and starts an hour's session.
// The rest answers the signed-in person only, and every call that changes
// something must carry the session's CSRF token (sign-in-session.ts).
import { Hono, type Context } from "hono";
import { z } from "zod";
import { GitHubUnreachable, personFields, type GitHubSignIn, type Person } from "../access/people.js";
import { pkceChallenge, randomToken } from "../access/secret-box.js";
import type { PeopleSignIn } from "../access/sign-in.js";
import { GatewayError } from "../core/gateway-error.js";
import type { Logger } from "../core/logger.js";
import type { AppEnv } from "../pipeline/app-env.js";
import { constantTimeEqual } from "./auth.js";
import { readJsonBody } from "./json-body.js";
import { isSameSiteCall, type SignInCookies, type WebSession } from "./sign-in-session.js";

export interface SignInRoutesOptions {
  signIn: PeopleSignIn;
  github: GitHubSignIn;
  cookies: SignInCookies;
  publicUrl: string;
  logger: Logger;
}

const keyName = z.object({ name: z.string().trim().min(1).max(200) }).strict();

export function signInRoutes(options: SignInRoutesOptions): Hono<AppEnv> {
  const { signIn, github, cookies, publicUrl, logger } = options;
  const redirectUri = `${publicUrl}/auth/github/callback`;
  const publicOrigin = new URL(publicUrl).origin;
  const app = new Hono<AppEnv>({ strict: false });

  app.get("/github/login", async (c) => {
    const state = randomToken();
    const verifier = randomToken();
    await cookies.setAttempt(c, { state, verifier });
    return c.redirect(github.authorizeUrl({ state, codeChallenge: await pkceChallenge(verifier), redirectUri }), 302);
  });

  app.get("/github/callback", async (c) => {
    const attempt = await cookies.takeAttempt(c);
    const state = c.req.query("state") ?? "";
    const code = c.req.query("code");
    // GitHub sends the person back with ?error=access_denied when they decline.
    if (c.req.query("error")) return c.redirect("/#/me?problem=declined", 302);
    if (!attempt || !code || !constantTimeEqual(state, attempt.state)) return c.redirect("/#/me?problem=expired", 302);
    const answer = await github.exchangeCode(code, attempt.verifier, redirectUri).catch(unreachable);
    if (answer.kind !== "granted") {
      logger.warn("GitHub refused a sign-in's code", { answer: answer.kind === "refused" ? answer.error : answer.kind });
      return c.redirect("/#/me?problem=refused", 302);
    }
    const person = await signIn.signIn(answer.grant).catch(unreachable);
    if (person.status === "disabled") {
      logger.warn("a disabled person tried to sign in", { person: person.id, login: person.login, flow: "web" });
      return c.redirect("/#/me?problem=disabled", 302);
    }
    logger.info("a person signed in", { person: person.id, login: person.login, seat: person.seat, flow: "web" });
    await cookies.setSession(c, { personId: person.id, csrf: randomToken() });
    return c.redirect("/#/me", 302);
  });

  /** The signed-in person, and for changes the proof that the call is the page's own. */
  const personOf = async (c: Context<AppEnv>, changes: boolean): Promise<{ person: Person; session: WebSession }> => {
    const session = await cookies.session(c);
    const person = session && (await signIn.person(session.personId));
    if (!session || !person) throw new GatewayError({ status: 401, code: "not_signed_in", message: "Sign in with GitHub first: open /auth/github/login." });
    if (changes && !isSameSiteCall(c, session, publicOrigin)) {
      throw new GatewayError({ status: 403, code: "csrf_failed", message: "This change did not come from the gateway's own page (missing or wrong x-csrf-token)." });
    }
    return { person, session };
  };

  app.get("/me", async (c) => {
    const { person, session } = await personOf(c, false);
    return c.json({
      object: "person",
      ...personFields(person),
      keys: await signIn.keysOf(person),
      csrf_token: session.csrf,
    });
  });

  app.post("/keys", async (c) => {
    const { person } = await personOf(c, true);
    const input = parseName(await readJsonBody(c));
    if (person.status === "disabled") throw personDisabled();
    if (person.seat === "none") throw noSeat();
    const key = await signIn.createKey(person, input.name);
    logger.info("a person made a key", { person: person.id, login: person.login, key: key.id });
    return c.json(key, 201);
  });

  app.patch("/keys/:id", async (c) => {
    const { person } = await personOf(c, true);
    const key = await signIn.changeKey(person, c.req.param("id"), parseName(await readJsonBody(c)));
    if (!key) throw noSuchKey();
    return c.json(key);
  });

  app.delete("/keys/:id", async (c) => {
    const { person } = await personOf(c, true);
    const key = await signIn.changeKey(person, c.req.param("id"), { status: "revoked" });
    if (!key) throw noSuchKey();
    logger.info("a person revoked a key", { person: person.id, login: person.login, key: key.id });
    return c.json(key);
  });

  app.post("/logout", async (c) => {
    await personOf(c, true);
    cookies.endSession(c);
    return c.body(null, 204);
  });

  return app;
}

function parseName(body: unknown): { name: string } {
  const parsed = keyName.safeParse(body);
  if (!parsed.success) throw new GatewayError({ status: 400, code: "invalid_request", param: "name", message: "Give the key a name: {\"name\": \"laptop\"} (1 to 200 characters)." });
  return parsed.data;
}

export function noSeat(): GatewayError {
  return new GatewayError({ status: 403, code: "no_copilot_seat", message: "Your GitHub account has no Copilot seat, so a key would not work. Ask for a seat, then sign in again." });
}

export function personDisabled(): GatewayError {
  return new GatewayError({ status: 403, code: "person_disabled", message: "An administrator disabled your access to this gateway, so signing in gives you no key. Ask an administrator to enable you again." });
}

function noSuchKey(): GatewayError {
  return new GatewayError({ status: 404, code: "key_not_found", message: "You have no such key." });
}

/** GitHub out of reach is a 503 to retry, never a sign-in failure. */
export function unreachable(error: unknown): never {
  if (error instanceof GitHubUnreachable) throw new GatewayError({ status: 503, code: "github_unavailable", message: "GitHub could not be reached to sign you in; try again shortly.", retryAfterSeconds: 5, detail: error.message });
  throw error;
}
