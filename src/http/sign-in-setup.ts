// Signing in, assembled once at start from its parts: the people store, the
// keys, the company's GitHub App, and the secret key, from which the tokens'
// and the cookies' encryption keys are derived. The process entry and the
// test gateway build it the same way.
import type { GitHubSignIn, PeopleStore } from "../access/people.js";
import { PeopleAdmin } from "../access/people-admin.js";
import { PersonTokens, type PersonTokensOptions } from "../access/person-tokens.js";
import { SecretBox } from "../access/secret-box.js";
import { PeopleSignIn } from "../access/sign-in.js";
import type { KeyStore } from "../access/virtual-keys.js";
import type { Logger } from "../core/logger.js";
import { SignInCookies } from "./sign-in-session.js";

export interface SignInDeps {
  signIn: PeopleSignIn;
  github: GitHubSignIn;
  cookies: SignInCookies;
  /** The gateway as browsers reach it, without a trailing slash. */
  publicUrl: string;
  /** The admins' view of the people (/admin/people). */
  people: PeopleAdmin;
}

export interface SignInSetup {
  people: PeopleStore;
  keys: KeyStore;
  github: GitHubSignIn;
  secretKey: string;
  publicUrl: string;
  logger?: Logger;
  tokens?: Omit<PersonTokensOptions, "logger">;
}

export async function setUpSignIn(setup: SignInSetup): Promise<SignInDeps> {
  const [tokenBox, cookieBox] = await Promise.all([SecretBox.derive(setup.secretKey, "github-tokens"), SecretBox.derive(setup.secretKey, "cookies")]);
  const tokens = new PersonTokens(setup.people, setup.github, tokenBox, { ...setup.tokens, ...(setup.logger ? { logger: setup.logger } : {}) });
  return {
    signIn: new PeopleSignIn(setup.people, setup.keys, setup.github, tokens),
    github: setup.github,
    cookies: new SignInCookies(cookieBox, setup.publicUrl),
    publicUrl: setup.publicUrl,
    people: new PeopleAdmin(setup.people, setup.keys),
  };
}
