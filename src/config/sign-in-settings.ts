// The sign-in settings, which only make sense together: the company's GitHub
// App (client id and secret), the key tokens are encrypted under, and the
// address GitHub sends browsers back to. The client id turns sign-in on; any
// other piece missing then stops the start with a line naming it, so a
// half-configured gateway never starts and fails people at their first sign-in.
import { z } from "zod";
import type { AuthMode } from "../access/caller.js";
import { ConfigError, type SignInConfig } from "./config.js";
import { SETTINGS, type SettingKey } from "./settings.js";
import { parse, type RawValue } from "./value-parsers.js";

type GivenValue = (key: SettingKey) => RawValue | undefined;

const HTTP_URL = z.url({ protocol: /^https?$/ });
export const MIN_SECRET_KEY_CHARS = 32;

/** GitHub's web address and its API's; the API follows the web address unless it is given. */
export function githubUrls(raw: GivenValue): { githubUrl: string; githubApiUrl: string } {
  const given = raw("githubUrl");
  const githubUrl = parse(given ?? { text: SETTINGS.githubUrl.defaultValue, source: "--github-url" }, HTTP_URL, "an http:// or https:// URL").replace(/\/+$/, "");
  const api = raw("githubApiUrl");
  const githubApiUrl = api ? parse(api, HTTP_URL, "an http:// or https:// URL").replace(/\/+$/, "") : apiUrlOf(githubUrl);
  return { githubUrl, githubApiUrl };
}

/**
 * github.com's API is api.github.com, a GHE.com tenant's api.<tenant>.ghe.com,
 * a GitHub Enterprise Server's <host>/api/v3 (GitHub's documented layouts).
 */
export function apiUrlOf(githubUrl: string): string {
  const url = new URL(githubUrl);
  if (url.hostname === "github.com") return `${url.protocol}//api.github.com`;
  if (url.hostname.endsWith(".ghe.com")) return `${url.protocol}//api.${url.host}`;
  return `${githubUrl}/api/v3`;
}

const REQUIRED: ReadonlyArray<{ key: SettingKey; why: string }> = [
  { key: "githubClientSecret", why: "the app's client secret, for the code exchange and token refreshes" },
  { key: "secretKey", why: `at least ${MIN_SECRET_KEY_CHARS} random characters that people's GitHub tokens are encrypted under` },
  { key: "publicUrl", why: "the gateway's address as browsers reach it, where GitHub sends them back" },
];

function named(key: SettingKey): string {
  const setting = SETTINGS[key];
  return `${setting.env[0]} (--${setting.flag})`;
}

export function signInSettings(raw: GivenValue, auth: AuthMode): { signIn?: SignInConfig } {
  const clientId = raw("githubClientId");
  if (!clientId) {
    const orphan = REQUIRED.map(({ key }) => raw(key)).find((value) => value !== undefined);
    if (orphan) throw new ConfigError(`${orphan.source} is for signing in with GitHub, which is off: set ${named("githubClientId")} too, or remove it`);
    return {};
  }
  if (auth !== "github") throw new ConfigError(`${clientId.source} signs people in to their own Copilot seats, which needs GATEWAY_AUTH=github (--auth github)`);
  for (const { key, why } of REQUIRED) {
    if (!raw(key)) throw new ConfigError(`signing in with GitHub (${clientId.source} is set) needs ${named(key)}: ${why}`);
  }
  const secretKey = raw("secretKey")!;
  if (secretKey.text.length < MIN_SECRET_KEY_CHARS) throw new ConfigError(`${secretKey.source} must be at least ${MIN_SECRET_KEY_CHARS} characters (e.g. openssl rand -base64 32)`);
  const publicUrl = parse(raw("publicUrl")!, HTTP_URL, "an http:// or https:// URL, the gateway's address as browsers reach it");
  return {
    signIn: {
      clientId: clientId.text,
      clientSecret: raw("githubClientSecret")!.text,
      secretKey: secretKey.text,
      publicUrl: publicUrl.replace(/\/+$/, ""),
    },
  };
}
