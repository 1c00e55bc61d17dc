// Where each coding tool reads its base URL and key, and how to write them
// there without disturbing the rest of its config: Claude Code's settings.json
// `env` block, Codex's config.toml (a provider table and the top-level key
// that picks it), opencode's global opencode.json (a provider with the models
// the key may use). Each returns what it changed, in words, for the person.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CliError } from "./cli-error.js";
import type { CliEnv } from "./command-line.js";
import { homeOf, writePrivate, type Credentials } from "./credentials.js";

export const TOOLS = ["claude-code", "codex", "opencode"] as const;
export type Tool = (typeof TOOLS)[number];

export const PROVIDER_ID = "copilot-gateway";

export interface ToolSetup {
  path: string;
  changes: string[];
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function jsonObject(text: string | undefined, path: string): Record<string, unknown> {
  if (text === undefined || text.trim() === "") return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below: a file we cannot read exactly is never rewritten.
  }
  throw new CliError(`${path} is not a plain JSON object (comments?), so it was left as it is; add the settings by hand (see docs/signing-in.md)`, 1);
}

/** Claude Code: ANTHROPIC_BASE_URL and ANTHROPIC_AUTH_TOKEN in the `env` block of its user settings. */
export async function setUpClaudeCode(env: CliEnv, credentials: Credentials): Promise<ToolSetup> {
  const path = join(env.CLAUDE_CONFIG_DIR || join(homeOf(env), ".claude"), "settings.json");
  const settings = jsonObject(await readIfThere(path), path);
  const block = { ...((settings.env as Record<string, string> | undefined) ?? {}) };
  const changes = [`env.ANTHROPIC_BASE_URL = ${credentials.url}`, "env.ANTHROPIC_AUTH_TOKEN = your personal key"];
  // Claude Code sends both when both are set; the gateway's key must be the one it uses.
  if ("ANTHROPIC_API_KEY" in block) {
    delete block.ANTHROPIC_API_KEY;
    changes.push("removed env.ANTHROPIC_API_KEY (set one of the two, not both)");
  }
  settings.env = { ...block, ANTHROPIC_BASE_URL: credentials.url, ANTHROPIC_AUTH_TOKEN: credentials.key };
  await writePrivate(path, `${JSON.stringify(settings, null, 2)}\n`);
  return { path, changes };
}

/** Codex: a `[model_providers.copilot-gateway]` table (Responses API, the key as its bearer token) and `model_provider` choosing it. */
export async function setUpCodex(env: CliEnv, credentials: Credentials): Promise<ToolSetup> {
  const path = join(env.CODEX_HOME || join(homeOf(env), ".codex"), "config.toml");
  const lines = withoutTable((await readIfThere(path)) ?? "", `model_providers.${PROVIDER_ID}`);
  const firstTable = lines.findIndex((line) => /^\s*\[/.test(line));
  const top = firstTable === -1 ? lines : lines.slice(0, firstTable);
  const rest = firstTable === -1 ? [] : lines.slice(firstTable);
  const changes: string[] = [];
  const previous = top.find((line) => /^\s*model_provider\s*=/.test(line));
  const kept = top.filter((line) => !/^\s*model_provider\s*=/.test(line));
  changes.push(previous ? `model_provider = "${PROVIDER_ID}" (was: ${previous.split("=")[1]!.trim()})` : `model_provider = "${PROVIDER_ID}"`);
  const header = [`model_provider = ${JSON.stringify(PROVIDER_ID)}`];
  // Codex's hosted web search is a tool the gateway cannot run (a 400 on every turn).
  if (!kept.some((line) => /^\s*web_search\s*=/.test(line))) {
    header.push('web_search = "disabled"');
    changes.push('web_search = "disabled" (the gateway cannot run OpenAI\'s hosted search)');
  }
  const table = [
    `[model_providers.${PROVIDER_ID}]`,
    'name = "Copilot via gateway"',
    `base_url = ${JSON.stringify(`${credentials.url}/v1`)}`,
    'wire_api = "responses"',
    `experimental_bearer_token = ${JSON.stringify(credentials.key)}`,
  ];
  changes.push(`[model_providers.${PROVIDER_ID}] with base_url ${credentials.url}/v1 and your personal key`);
  // Codex asks for its own default model unless told: one the gateway may not serve.
  if (!kept.some((line) => /^\s*model\s*=/.test(line))) changes.push("no model is set: add model = \"<id>\" with an id from the gateway's /v1/models");
  const body = [...header, ...trimBlank(kept), ...(rest.length > 0 ? ["", ...trimBlank(rest)] : []), "", ...table];
  await writePrivate(path, `${body.join("\n").replace(/^\n+/, "")}\n`);
  return { path, changes };
}

/** opencode: a provider on its bundled OpenAI-compatible package, listing the models the key may use. */
export async function setUpOpencode(env: CliEnv, credentials: Credentials, models: string[]): Promise<ToolSetup> {
  const path = join(env.XDG_CONFIG_HOME || join(homeOf(env), ".config"), "opencode", "opencode.json");
  const config = jsonObject(await readIfThere(path), path);
  const providers = { ...((config.provider as Record<string, unknown> | undefined) ?? {}) };
  providers[PROVIDER_ID] = {
    npm: "@ai-sdk/openai-compatible",
    name: "Copilot via gateway",
    options: { baseURL: `${credentials.url}/v1`, apiKey: credentials.key },
    models: Object.fromEntries(models.map((id) => [id, { name: id, tool_call: true }])),
  };
  config.provider = providers;
  const changes = [`provider.${PROVIDER_ID} with baseURL ${credentials.url}/v1, your personal key and ${models.length} models`];
  if (config.model === undefined && models[0] !== undefined) {
    config.model = `${PROVIDER_ID}/${models[0]}`;
    changes.push(`model = ${PROVIDER_ID}/${models[0]}`);
  }
  await writePrivate(path, `${JSON.stringify(config, null, 2)}\n`);
  return { path, changes };
}

/** The lines of a TOML text without one table (its header to the next header). */
function withoutTable(text: string, name: string): string[] {
  const out: string[] = [];
  let skipping = false;
  for (const line of text.split("\n")) {
    const header = /^\s*\[([^\]]+)\]\s*(#.*)?$/.exec(line);
    if (header) skipping = header[1]!.trim() === name;
    if (!skipping) out.push(line);
  }
  return out;
}

function trimBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === "") end--;
  return lines.slice(0, end);
}
