// The operator's MCP server file → the servers the gateway may give sessions.
// The file is the field's usual JSON — `{"mcpServers": {name: server}}` as
// Claude Code, Claude Desktop and Cursor write it, or VS Code's
// `{"servers": {…}}` — so a team's existing file works as it is. Secrets stay
// out of it: any string may say `${env:NAME}`, filled from the gateway's
// environment, so the file can be committed. Pure: the entry reads the file
// and passes the environment; every mistake is an error naming the server and
// the field, at start-up, not at a caller's first request.
import type { McpServerConfig, McpServers } from "./mcp-servers.js";

export class McpConfigError extends Error {
  override readonly name = "McpConfigError";
}

/** A server's name prefixes its tools as the model sees them (`<name>-<tool>`), so it is kept to what every provider accepts in a tool name. */
const SERVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Tool names as MCP servers give them; `*` is every tool of the server. */
const TOOL_NAME = /^(\*|[A-Za-z0-9_.\-/]{1,128})$/;

export type Json = Record<string, unknown>;

/**
 * Parses the file's text. `source` names it in errors (its path); `env` fills
 * `${env:NAME}`. Unknown fields are ignored (a file written for another
 * client may carry its own), but a field the gateway uses must have the right
 * type, and a server must say how to reach it: a `command` (stdio) or a `url`
 * with `type` http or sse.
 */
export function parseMcpConfig(text: string, env: Readonly<Record<string, string | undefined>>, source: string): McpServers {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new McpConfigError(`${source} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isObject(document)) throw new McpConfigError(`${source} must be a JSON object with "mcpServers" (or VS Code's "servers").`);
  const listed = document.mcpServers ?? document.servers;
  if (listed === undefined) throw new McpConfigError(`${source} has no "mcpServers" (or VS Code's "servers") object.`);
  if (!isObject(listed)) throw new McpConfigError(`${source}: "mcpServers" must be an object of servers by name.`);
  return parseServers(listed, source, environmentReferences(env));
}

/**
 * Fills a string's references to the environment, or throws an Error whose
 * message says what is wrong with the string (the caller names the field).
 */
export type ReferenceFiller = (value: string) => string;

/** The MCP file's one form, `${env:NAME}`; anything else in `${…}` is refused (the gateway asks no one for input). */
export function environmentReferences(env: Readonly<Record<string, string | undefined>>): ReferenceFiller {
  return (value) =>
    value.replace(/\$\{([^}]*)\}/g, (whole, reference: string) => {
      const name = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(reference)?.[1];
      if (!name) throw new Error(`says ${whole}: only \${env:NAME} can be filled in (the gateway asks no one for input)`);
      return environmentValue(env, name);
    });
}

/** A variable's value; one that is not set is an error, never an empty secret. */
export function environmentValue(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name];
  if (value === undefined || value === "") throw new Error(`needs the environment variable ${name}, which is not set`);
  return value;
}

/**
 * Servers by name, in the field's usual shape, as the MCP file and an agent
 * file's `mcp-servers` both give them; `source` names where they came from
 * in errors, `fill` fills their strings' references to the environment.
 */
export function parseServers(listed: Json, source: string, fill: ReferenceFiller): Map<string, McpServerConfig> {
  const servers = new Map<string, McpServerConfig>();
  for (const [name, server] of Object.entries(listed)) {
    const at = new FieldPath(source, name, fill);
    if (!SERVER_NAME.test(name)) throw at.error("", "a server's name must be 1 to 64 letters, digits, '_' or '-' (it prefixes its tools' names)");
    if (!isObject(server)) throw at.error("", "must be an object");
    servers.set(name, parseServer(server, at));
  }
  return servers;
}

function parseServer(server: Json, at: FieldPath): McpServerConfig {
  const type = server.type === undefined ? (server.url !== undefined ? "http" : "stdio") : at.string("type", server.type);
  const tools = parseTools(server.tools, at);
  const timeout = server.timeout === undefined ? {} : { timeout: at.positiveInteger("timeout", server.timeout) };
  if (type === "stdio" || type === "local") {
    if (server.command === undefined) throw at.error("command", "is required for a stdio server (or give a url and type http or sse)");
    const cwd = server.cwd ?? server.workingDirectory;
    return {
      type: "stdio",
      command: at.text("command", server.command),
      args: server.args === undefined ? [] : at.strings("args", server.args),
      ...(server.env === undefined ? {} : { env: at.stringMap("env", server.env) }),
      ...(cwd === undefined ? {} : { workingDirectory: at.text(server.cwd === undefined ? "workingDirectory" : "cwd", cwd) }),
      // false: a server that keeps state per connection runs once per session, not once for all.
      ...(server.shared === undefined ? {} : { shared: at.boolean("shared", server.shared) }),
      ...tools,
      ...timeout,
    };
  }
  if (type === "http" || type === "sse") {
    if (server.url === undefined) throw at.error("url", `is required for a server of type ${type}`);
    const url = at.text("url", server.url);
    if (!/^https?:\/\//i.test(url)) throw at.error("url", "must be an http:// or https:// URL");
    return { type, url, ...(server.headers === undefined ? {} : { headers: at.stringMap("headers", server.headers) }), ...tools, ...timeout };
  }
  throw at.error("type", `must be stdio, http or sse, not ${JSON.stringify(type)}`);
}

/** The allowlist: absent means every tool the server has; `[]` none. */
function parseTools(tools: unknown, at: FieldPath): { tools?: string[] } {
  if (tools === undefined) return {};
  const names = at.strings("tools", tools);
  for (const [index, name] of names.entries()) if (!TOOL_NAME.test(name)) throw at.error(`tools[${index}]`, "must be a tool's name, or * for all of them");
  return { tools: names };
}

/** Reads one server's fields, naming the server and field in every error. */
class FieldPath {
  constructor(
    private readonly source: string,
    private readonly server: string,
    private readonly fill: ReferenceFiller,
  ) {}

  error(field: string, problem: string): McpConfigError {
    return new McpConfigError(`${this.source}: server "${this.server}"${field ? ` ${field}` : ""} ${problem}.`);
  }

  string(field: string, value: unknown): string {
    if (typeof value !== "string") throw this.error(field, "must be a string");
    return value;
  }

  /** A string with `${env:NAME}` filled in; never empty. */
  text(field: string, value: unknown): string {
    const filled = this.withEnv(field, this.string(field, value));
    if (filled === "") throw this.error(field, "must not be empty");
    return filled;
  }

  strings(field: string, value: unknown): string[] {
    if (!Array.isArray(value)) throw this.error(field, "must be an array of strings");
    return value.map((item, index) => this.withEnv(`${field}[${index}]`, this.string(`${field}[${index}]`, item)));
  }

  stringMap(field: string, value: unknown): Record<string, string> {
    if (!isObject(value)) throw this.error(field, "must be an object of strings");
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.withEnv(`${field}.${key}`, this.string(`${field}.${key}`, item))]));
  }

  boolean(field: string, value: unknown): boolean {
    if (typeof value !== "boolean") throw this.error(field, "must be true or false");
    return value;
  }

  positiveInteger(field: string, value: unknown): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) throw this.error(field, "must be a positive whole number of milliseconds");
    return value;
  }

  /** The string with its references to the environment filled in; one that cannot be is an error naming the field. */
  private withEnv(field: string, value: string): string {
    try {
      return this.fill(value);
    } catch (error) {
      throw this.error(field, error instanceof Error ? error.message : String(error));
    }
  }
}

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
