// The operator's MCP server file: the shapes teams already keep (Claude
// Code's and Cursor's `mcpServers`, VS Code's `servers`), secrets from the
// environment, and an error naming the server and field for every mistake.
import { describe, expect, it } from "vitest";
import { McpConfigError, parseMcpConfig } from "../../src/tools/mcp-config.js";
import { grantedServers, unknownServers } from "../../src/tools/mcp-servers.js";

const SOURCE = "/etc/gateway/mcp.json";
const parse = (document: unknown, env: Record<string, string> = {}) => parseMcpConfig(JSON.stringify(document), env, SOURCE);

function refusal(document: unknown, env: Record<string, string> = {}): string {
  try {
    parse(document, env);
  } catch (error) {
    expect(error).toBeInstanceOf(McpConfigError);
    return (error as Error).message;
  }
  throw new Error("the file was accepted");
}

describe("the MCP server file", () => {
  it("reads stdio and remote servers into the SDK's shapes, with each server's tool allowlist", () => {
    const servers = parse({
      mcpServers: {
        logs: { command: "npx", args: ["-y", "logs-mcp"], env: { LOG_LEVEL: "warn" }, cwd: "/srv/logs", tools: ["search", "tail"] },
        grafana: { type: "http", url: "https://grafana.internal/mcp", headers: { authorization: "Bearer x" } },
        events: { type: "sse", url: "http://127.0.0.1:9000/sse", timeout: 5_000 },
      },
    });
    expect(Object.fromEntries(servers)).toEqual({
      logs: { type: "stdio", command: "npx", args: ["-y", "logs-mcp"], env: { LOG_LEVEL: "warn" }, workingDirectory: "/srv/logs", tools: ["search", "tail"] },
      grafana: { type: "http", url: "https://grafana.internal/mcp", headers: { authorization: "Bearer x" } },
      events: { type: "sse", url: "http://127.0.0.1:9000/sse", timeout: 5_000 },
    });
  });

  it("keeps a stdio server marked shared: false to itself (one process per session, for a server with state per connection)", () => {
    const servers = parse({ mcpServers: { browser: { command: "browser-mcp", shared: false }, logs: { command: "logs-mcp", shared: true } } });
    expect(servers.get("browser")).toEqual({ type: "stdio", command: "browser-mcp", args: [], shared: false });
    expect(servers.get("logs")).toEqual({ type: "stdio", command: "logs-mcp", args: [], shared: true });
  });

  it("takes VS Code's `servers` key and type names, and a url alone as http", () => {
    const servers = parse({ servers: { db: { type: "stdio", command: "node", args: ["db.js"] }, docs: { url: "https://docs.internal/mcp" } }, inputs: [] });
    expect(servers.get("db")).toEqual({ type: "stdio", command: "node", args: ["db.js"] });
    expect(servers.get("docs")).toEqual({ type: "http", url: "https://docs.internal/mcp" });
  });

  it("fills ${env:NAME} from the gateway's environment, so the file holds no secret", () => {
    const servers = parse(
      { mcpServers: { grafana: { url: "https://${env:GRAFANA_HOST}/mcp", headers: { authorization: "Bearer ${env:GRAFANA_TOKEN}" } }, db: { command: "db-mcp", env: { PGPASSWORD: "${env:PGPASSWORD}" } } } },
      { GRAFANA_HOST: "grafana.internal", GRAFANA_TOKEN: "glsa_secret", PGPASSWORD: "hunter2" },
    );
    expect(servers.get("grafana")).toMatchObject({ url: "https://grafana.internal/mcp", headers: { authorization: "Bearer glsa_secret" } });
    expect(servers.get("db")).toMatchObject({ env: { PGPASSWORD: "hunter2" } });
  });

  it("names the server and field of every mistake, in one line", () => {
    const cases: Array<[unknown, Record<string, string>, string]> = [
      [{ mcpServers: { logs: { args: ["x"] } } }, {}, 'server "logs" command is required'],
      [{ mcpServers: { logs: { command: 7 } } }, {}, 'server "logs" command must be a string'],
      [{ mcpServers: { logs: { command: "x", args: "a b" } } }, {}, 'server "logs" args must be an array of strings'],
      [{ mcpServers: { logs: { command: "x", env: { A: 1 } } } }, {}, 'server "logs" env.A must be a string'],
      [{ mcpServers: { logs: { command: "x", tools: ["ok", "no spaces"] } } }, {}, 'server "logs" tools[1] must be a tool'],
      [{ mcpServers: { logs: { command: "x", timeout: 1.5 } } }, {}, 'server "logs" timeout must be a positive whole number'],
      [{ mcpServers: { logs: { command: "x", shared: "no" } } }, {}, 'server "logs" shared must be true or false'],
      [{ mcpServers: { web: { type: "http" } } }, {}, 'server "web" url is required'],
      [{ mcpServers: { web: { url: "file:///etc/passwd" } } }, {}, 'server "web" url must be an http:// or https:// URL'],
      [{ mcpServers: { web: { type: "websocket", url: "ws://x" } } }, {}, 'server "web" type must be stdio, http or sse'],
      [{ mcpServers: { "bad name": { command: "x" } } }, {}, 'server "bad name" a server\'s name must be'],
      [{ mcpServers: { web: { url: "https://x/mcp", headers: { auth: "${env:TOKEN}" } } } }, {}, 'server "web" headers.auth needs the environment variable TOKEN, which is not set'],
      [{ mcpServers: { web: { url: "https://x/mcp", headers: { auth: "${input:token}" } } } }, {}, 'server "web" headers.auth says ${input:token}: only ${env:NAME}'],
      [{ mcpServers: [] }, {}, '"mcpServers" must be an object'],
      [{ tools: {} }, {}, 'has no "mcpServers"'],
    ];
    for (const [document, env, expected] of cases) {
      const message = refusal(document, env);
      expect(message).toContain(SOURCE);
      expect(message).toContain(expected);
      expect(message).not.toContain("\n");
    }
    expect(() => parseMcpConfig("{ not json", {}, SOURCE)).toThrow(/\/etc\/gateway\/mcp.json is not JSON/);
  });

  it("never shows a secret's value in an error", () => {
    const message = refusal({ mcpServers: { web: { url: "https://x/mcp", headers: { auth: "Bearer ${env:TOKEN}", other: 5 } } } }, { TOKEN: "s3cr3t-value" });
    expect(message).toContain("headers.other must be a string");
    expect(message).not.toContain("s3cr3t-value");
  });
});

describe("grants", () => {
  const servers = parse({ mcpServers: { logs: { command: "logs-mcp" }, grafana: { url: "https://grafana.internal/mcp" } } });

  it("give a session only the servers they name, or every one for *, and none by default", () => {
    expect(Object.keys(grantedServers(servers, []))).toEqual([]);
    expect(Object.keys(grantedServers(servers, ["grafana", "removed-since"]))).toEqual(["grafana"]);
    expect(Object.keys(grantedServers(servers, ["*"]))).toEqual(["logs", "grafana"]);
  });

  it("tell which names in a list are no configured server", () => {
    expect(unknownServers(servers, ["logs", "*", "grafna"])).toEqual(["grafna"]);
  });
});
