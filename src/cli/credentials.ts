// Where `copilot-gateway login` keeps the personal key it got, for `setup`
// to write into each tool's config: `<config dir>/copilot-gateway/credentials.json`
// (`$XDG_CONFIG_HOME`, else `~/.config`), readable by its owner only.
import { mkdir, readFile, writeFile, chmod } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CliError } from "./cli-error.js";
import type { CliEnv } from "./command-line.js";

export interface Credentials {
  /** The gateway's address, without a trailing slash. */
  url: string;
  key: string;
  keyId: string;
  login: string;
}

export function homeOf(env: CliEnv): string {
  const home = env.HOME;
  if (!home) throw new CliError("HOME is not set, so there is nowhere to keep the key", 1);
  return home;
}

export function credentialsPath(env: CliEnv): string {
  return join(env.XDG_CONFIG_HOME || join(homeOf(env), ".config"), "copilot-gateway", "credentials.json");
}

export async function saveCredentials(env: CliEnv, credentials: Credentials): Promise<string> {
  const path = credentialsPath(env);
  await writePrivate(path, `${JSON.stringify(credentials, null, 2)}\n`);
  return path;
}

export async function loadCredentials(env: CliEnv): Promise<Credentials> {
  const path = credentialsPath(env);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new CliError(`not signed in (no ${path}): run copilot-gateway login --url <gateway> first`, 1);
  }
  const parsed = JSON.parse(text) as Partial<Credentials>;
  if (typeof parsed.url !== "string" || typeof parsed.key !== "string") throw new CliError(`${path} holds no key: run copilot-gateway login --url <gateway> again`, 1);
  return parsed as Credentials;
}

/** Writes a file only its owner may read (it holds a key), making its directory. */
export async function writePrivate(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, text, { mode: 0o600 });
  // A file that existed keeps its mode through writeFile: make it private too.
  await chmod(path, 0o600);
}
