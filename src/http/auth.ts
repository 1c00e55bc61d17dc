// Who is calling, for the /v1 routes. Credentials are taken from every header
// real clients use — Bearer (openai SDKs), x-api-key (Anthropic SDK, Claude
// Code) and api-key (Azure-style; Continue sends all three). Static keys are
// compared in constant time; a virtual key is found by the hash of its secret,
// read afresh on every request so a revoked key is refused at once; a GitHub
// token is turned into its login, and in github mode a personal key (made by
// signing in) runs on its owner's seat with their token, refreshed when due.
// Nothing presented is logged or echoed.
import type { MiddlewareHandler } from "hono";
import { ANONYMOUS, type AuthMode, type Caller, type GitHubIdentities } from "../access/caller.js";
import { hashSecret, unusableReason, type KeyStore } from "../access/virtual-keys.js";
import type { AppEnv } from "../pipeline/app-env.js";
import { GatewayError } from "../core/gateway-error.js";
import { GitHubUnreachable, PersonDisabled, SignInEnded } from "../access/people.js";
import type { PeopleSignIn } from "../access/sign-in.js";

export interface AuthOptions {
  mode: AuthMode;
  staticKeys: readonly string[];
  /** Virtual keys; only static keys are accepted without it. */
  keys?: KeyStore;
  /** Required in github mode. */
  github?: GitHubIdentities;
  /** Sign-in (github mode): personal keys, and where their owners sign in again. */
  people?: { signIn: PeopleSignIn; publicUrl: string };
  now?: () => number;
}

export function presentedApiKey(headers: Headers): string | undefined {
  const authorization = headers.get("authorization");
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  return bearer || headers.get("x-api-key")?.trim() || headers.get("api-key")?.trim() || undefined;
}

export function authenticate(options: AuthOptions): MiddlewareHandler<AppEnv> {
  const identify = identifier(options);
  return async (c, next) => {
    if (c.req.method === "OPTIONS") return next();
    c.set("caller", await identify(c.req.raw.headers));
    return next();
  };
}

function identifier(options: AuthOptions): (headers: Headers) => Promise<Caller> {
  const now = options.now ?? Date.now;
  if (options.mode === "none") return () => Promise.resolve(ANONYMOUS);
  if (options.mode === "github") {
    const github = options.github;
    if (!github) throw new Error("github mode needs a GitHub identity resolver");
    const personal = personalKeys(options, now);
    return async (headers) => {
      const token = required(headers, "Missing GitHub token. Send your own GitHub token (e.g. `gh auth token`) as 'Authorization: Bearer <token>' or 'x-api-key'.");
      if (personal && token.startsWith(VIRTUAL_KEY_PREFIX)) return personal(token);
      const login = await github.loginOf(token).catch((error: unknown) => {
        // GitHub down is not the caller's fault: a 503 to retry, not a 401 that would make them re-authenticate.
        throw new GatewayError({ status: 503, code: "github_unavailable", message: error instanceof Error ? error.message : "GitHub could not check the token.", retryAfterSeconds: 5 });
      });
      if (login === undefined) throw unauthorized("GitHub did not accept this token. Send a GitHub token of a user with a Copilot seat.");
      return { kind: "github", id: login, partition: `github:${login.toLowerCase()}`, gitHubToken: token };
    };
  }
  const staticDigests = Promise.all(options.staticKeys.map((key) => hashSecret(key)));
  return async (headers) => {
    const presented = required(headers, "Missing API key. Send it as 'Authorization: Bearer <key>', 'x-api-key' or 'api-key'.");
    // One hash serves both: the static keys' comparison and the virtual keys' stored form.
    const candidate = await hashSecret(presented);
    let matched = false;
    // Every static key is compared, matched or not, so timing says nothing about which one.
    for (const known of await staticDigests) matched = constantTimeEqual(candidate, known) || matched;
    if (matched) return { kind: "static", id: `static:${candidate.slice(0, 12)}`, partition: candidate };
    const key = await options.keys?.findBySecretHash(candidate);
    if (key === undefined) throw unauthorized("Incorrect API key provided.");
    const unusable = unusableReason(key, now());
    if (unusable !== undefined) throw unauthorized(unusable);
    return { kind: "key", id: key.id, partition: `key:${key.id}`, key };
  };
}

const VIRTUAL_KEY_PREFIX = "sk-cgw-";

/** A personal key → its owner on their own seat; undefined when sign-in is off. */
function personalKeys(options: AuthOptions, now: () => number): ((secret: string) => Promise<Caller>) | undefined {
  const { people, keys } = options;
  if (!people || !keys) return undefined;
  const signInAgain = `Sign in again at ${people.publicUrl} (or run: copilot-gateway login --url ${people.publicUrl}) and use the new key.`;
  return async (secret) => {
    const key = await keys.findBySecretHash(await hashSecret(secret));
    if (key === undefined || key.personId === undefined) throw unauthorized("Incorrect API key provided.");
    const unusable = unusableReason(key, now());
    if (unusable !== undefined) throw unauthorized(unusable);
    try {
      return await people.signIn.callerOf(key);
    } catch (error) {
      // Signing in again does not help a disabled person: only an admin does.
      if (error instanceof PersonDisabled) throw new GatewayError({ status: 401, code: "person_disabled", type: "authentication_error", message: error.message, shouldRetry: false });
      if (error instanceof SignInEnded) throw new GatewayError({ status: 401, code: "sign_in_required", type: "authentication_error", message: `${error.message} ${signInAgain}`, shouldRetry: false });
      if (error instanceof GitHubUnreachable) throw new GatewayError({ status: 503, code: "github_unavailable", message: "GitHub could not be reached to renew your sign-in.", retryAfterSeconds: 5, detail: error.message });
      throw error;
    }
  };
}

function required(headers: Headers, message: string): string {
  const presented = presentedApiKey(headers);
  if (!presented) throw unauthorized(message);
  return presented;
}

function unauthorized(message: string): GatewayError {
  return new GatewayError({ status: 401, code: "invalid_api_key", type: "invalid_request_error", message, shouldRetry: false });
}

/** Compares two digests (hex) in time that depends on their length only. */
export function constantTimeEqual(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
