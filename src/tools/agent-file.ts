// One custom agent file (`<id>.agent.md`) as GitHub defines it for Copilot:
// YAML front matter (`description`; optionally `name`, `tools`, `model`,
// `mcp-servers`), then the agent's prompt. The files a team keeps in
// .github/agents or ~/.copilot/agents work as they are: fields meant for other
// products (`target`, `handoffs`, `metadata`, …) are ignored, `tools` may be a
// list or one comma-separated string, and the strings of `mcp-servers` may
// reference the environment the ways GitHub's files do (`${{ secrets.NAME }}`,
// `${{ vars.NAME }}`, `${NAME}`, `${NAME:-default}`, `$NAME`) as well as the
// MCP file's `${env:NAME}`, all filled from the gateway's environment. Pure:
// the entry reads the files; every mistake is an error naming the file and
// the field.
import { parseDocument } from "yaml";
import { environmentValue, isObject, McpConfigError, parseServers, type Json, type ReferenceFiller } from "./mcp-config.js";
import type { McpServers } from "./mcp-servers.js";

export class AgentFileError extends Error {
  override readonly name = "AgentFileError";
}

export interface AgentFile {
  /** The file's name without `.agent.md`: the model id clients ask for. */
  id: string;
  /** Where it was read from (its path), for messages. */
  source: string;
  /** The front matter's `name`: how people call the agent. */
  displayName?: string;
  description: string;
  /** `tools` as written; absent: every tool the agent can be given. */
  tools?: string[];
  /** `model`: the models it asks for, best first (VS Code's files may list several). */
  models: string[];
  /** `mcp-servers`: the servers the file defines for itself. */
  servers: McpServers;
  prompt: string;
  /** `user-invocable: false`: an agent only other agents call, so never served as a model. */
  userInvocable: boolean;
}

/** What the agent files' suffix is; the rest of the file name is the agent's id. */
export const AGENT_FILE_SUFFIX = ".agent.md";

/** An id is a model name in URLs and requests: kept to what every client sends as it is. */
const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** GitHub's limit on an agent's prompt. */
export const MAX_AGENT_PROMPT_CHARS = 30_000;

/** The front matter between a first line `---` and the next, and the body after it. */
const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)/;

/** The agent id a file name holds; undefined for a file that is not an agent file. */
export function agentIdOf(fileName: string): string | undefined {
  return fileName.endsWith(AGENT_FILE_SUFFIX) ? fileName.slice(0, -AGENT_FILE_SUFFIX.length) : undefined;
}

/**
 * Reads one agent file. `fileName` gives its id, `source` (its path) names
 * it in errors, `env` fills its servers' references to the environment.
 */
export function parseAgentFile(text: string, fileName: string, source: string, env: Readonly<Record<string, string | undefined>>): AgentFile {
  const id = agentIdOf(fileName);
  if (id === undefined) throw new AgentFileError(`${source}: an agent file's name ends in ${AGENT_FILE_SUFFIX}.`);
  if (!AGENT_ID.test(id)) throw new AgentFileError(`${source}: the file's name before ${AGENT_FILE_SUFFIX} is the model id clients send: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.`);
  const match = FRONT_MATTER.exec(text);
  if (!match) throw new AgentFileError(`${source}: has no YAML front matter: the file starts with a line "---", then the agent's description and settings, then "---" and its prompt.`);
  const fields = frontMatter(match[1] ?? "", source);
  const field = (name: string, problem: string) => new AgentFileError(`${source}: front matter "${name}" ${problem}.`);
  const optionalText = (name: string): string | undefined => {
    const value = fields[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string" || value.trim() === "") throw field(name, "must be a non-empty string");
    return value.trim();
  };
  const description = optionalText("description");
  if (description === undefined) throw field("description", "is required: it says what the agent does, and is what /v1/models shows");
  const displayName = optionalText("name");
  const invocable = fields["user-invocable"];
  if (invocable !== undefined && typeof invocable !== "boolean") throw field("user-invocable", "must be true or false");
  const prompt = text.slice(match[0].length).trim();
  if (prompt.length > MAX_AGENT_PROMPT_CHARS) throw new AgentFileError(`${source}: the prompt (the text after the front matter) is ${prompt.length} characters; an agent's prompt is at most ${MAX_AGENT_PROMPT_CHARS}.`);
  const servers = fields["mcp-servers"];
  if (servers !== undefined && servers !== null && !isObject(servers)) throw field("mcp-servers", "must be an object of servers by name");
  const tools = toolList(fields.tools, field);
  return {
    id,
    source,
    ...(displayName ? { displayName } : {}),
    description,
    ...(tools ? { tools } : {}),
    models: modelList(fields.model, field),
    servers: servers ? ownServers(servers, source, env) : new Map(),
    prompt,
    userInvocable: invocable !== false,
  };
}

function frontMatter(yaml: string, source: string): Json {
  const document = parseDocument(yaml, { uniqueKeys: true });
  const problem = document.errors[0];
  if (problem) {
    // The front matter starts on the file's second line; the parser counts from its own first.
    const line = problem.linePos ? ` (line ${problem.linePos[0].line + 1})` : "";
    const reason = problem.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new AgentFileError(`${source}: the front matter is not valid YAML${line}: ${reason}`);
  }
  const fields: unknown = document.toJS();
  if (fields === null || fields === undefined) return {};
  if (!isObject(fields)) throw new AgentFileError(`${source}: the front matter must be YAML fields (description: …), not a list or a single value.`);
  return fields;
}

/** The servers the file defines, read as the MCP file's are (the same shapes, GitHub's references to secrets). */
function ownServers(listed: Json, source: string, env: Readonly<Record<string, string | undefined>>): McpServers {
  try {
    return parseServers(listed, `${source}: mcp-servers`, gitHubReferences(env));
  } catch (error) {
    if (error instanceof McpConfigError) throw new AgentFileError(error.message);
    throw error;
  }
}

type FieldError = (name: string, problem: string) => AgentFileError;

/** A YAML list of names or one comma-separated string, as GitHub takes both; absent or null: every tool. */
function toolList(value: unknown, field: FieldError): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const names = typeof value === "string" ? value.split(",") : value;
  if (!Array.isArray(names) || names.some((name) => typeof name !== "string")) throw field("tools", "must be a list of tool names, or one string of them separated by commas");
  return (names as string[]).map((name) => name.trim()).filter((name) => name !== "");
}

/** One model, or VS Code's list of them in order of preference. */
function modelList(value: unknown, field: FieldError): string[] {
  if (value === undefined || value === null) return [];
  const models = typeof value === "string" ? [value] : value;
  if (!Array.isArray(models) || models.length === 0 || models.some((model) => typeof model !== "string" || model.trim() === "")) {
    throw field("model", "must be a model's name, or a list of them in order of preference");
  }
  return (models as string[]).map((model) => model.trim());
}

/**
 * The references GitHub's agent files make to their secrets and variables,
 * filled from the gateway's environment: `${{ secrets.NAME }}`,
 * `${{ vars.NAME }}`, `${NAME}`, `${NAME:-default}` (the default when NAME is
 * unset or empty), `$NAME`, and the MCP file's `${env:NAME}`. A variable
 * that is not set (with no default) is an error, never an empty secret.
 */
export function gitHubReferences(env: Readonly<Record<string, string | undefined>>): ReferenceFiller {
  const pattern = /\$\{\{\s*(?:secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  return (value) =>
    value.replace(pattern, (whole, github: string | undefined, braced: string | undefined, bare: string | undefined) => {
      if (github !== undefined) return environmentValue(env, github);
      if (bare !== undefined) return environmentValue(env, bare);
      const reference = /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/.exec(braced!);
      if (!reference) throw new Error(`says ${whole}: only the environment can be filled in (\${NAME}, \${NAME:-default}, $NAME, \${{ secrets.NAME }}, \${{ vars.NAME }})`);
      const [, name, fallback] = reference;
      const set = env[name!];
      if (fallback !== undefined && (set === undefined || set === "")) return fallback;
      return environmentValue(env, name!);
    });
}
