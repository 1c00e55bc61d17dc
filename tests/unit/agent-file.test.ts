// Custom agent files as teams keep them in .github/agents: GitHub's front
// matter (and VS Code's variants), servers of their own with GitHub's ways of
// naming secrets, and an error naming the file and the field for every
// mistake.
import { describe, expect, it } from "vitest";
import { AgentFileError, agentIdOf, gitHubReferences, parseAgentFile } from "../../src/tools/agent-file.js";
import { agentFileText } from "../support/agents.js";

const parse = (text: string, env: Record<string, string> = {}, fileName = "sql.agent.md") => parseAgentFile(text, fileName, `/srv/agents/${fileName}`, env);

function refusal(text: string, env: Record<string, string> = {}, fileName = "sql.agent.md"): string {
  try {
    parse(text, env, fileName);
  } catch (error) {
    expect(error).toBeInstanceOf(AgentFileError);
    return (error as Error).message;
  }
  throw new Error("the file was accepted");
}

describe("an agent file", () => {
  it("gives its id from the file name, its fields from the front matter and its prompt from the rest", () => {
    const agent = parse(
      agentFileText(
        [
          "name: 'SQL analyst'",
          "description: 'Answers questions from the warehouse'",
          "tools: ['postgres/query', 'read']",
          "model: Claude Sonnet 4.5",
          "target: github-copilot",
          "metadata: { owner: data-team }",
          "handoffs: []",
        ],
        "# SQL\n\nYou answer with **read-only** SQL.",
      ),
    );
    expect(agent).toEqual({
      id: "sql",
      source: "/srv/agents/sql.agent.md",
      displayName: "SQL analyst",
      description: "Answers questions from the warehouse",
      tools: ["postgres/query", "read"],
      models: ["Claude Sonnet 4.5"],
      servers: new Map(),
      prompt: "# SQL\n\nYou answer with **read-only** SQL.",
      userInvocable: true,
    });
  });

  it("takes tools as one comma-separated string, a model list in order of preference, and no tools at all", () => {
    expect(parse(agentFileText(["description: d", "tools: 'grafana/*, logs/search ,'", "model: ['GPT-5 (copilot)', 'gpt-4.1']"], "p"))).toMatchObject({
      tools: ["grafana/*", "logs/search"],
      models: ["GPT-5 (copilot)", "gpt-4.1"],
    });
    const everything = parse(agentFileText(["description: d"], "p"));
    expect(everything.tools).toBeUndefined();
    expect(everything.models).toEqual([]);
    expect(parse(agentFileText(["description: d", "tools: []"], "p")).tools).toEqual([]);
  });

  it("reads its own servers in GitHub's shape, filling GitHub's references to secrets from the gateway's environment", () => {
    const agent = parse(
      agentFileText(
        [
          "description: d",
          "mcp-servers:",
          "  warehouse:",
          "    type: 'local'",
          "    command: 'npx'",
          "    args: ['-y', '@modelcontextprotocol/server-postgres', '${{ secrets.COPILOT_MCP_WAREHOUSE_URL }}']",
          "    tools: ['query']",
          "    env:",
          "      A: ${{ vars.REGION }}",
          "      B: $REGION",
          "      C: ${REGION}-x",
          "      D: ${MISSING:-fallback}",
          "      E: ${env:REGION}",
          "  docs:",
          "    type: http",
          "    url: https://docs.internal/mcp",
        ],
        "p",
      ),
      { COPILOT_MCP_WAREHOUSE_URL: "postgres://reader@db/warehouse", REGION: "eu" },
    );
    expect(Object.fromEntries(agent.servers)).toEqual({
      warehouse: {
        type: "stdio",
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-postgres", "postgres://reader@db/warehouse"],
        tools: ["query"],
        env: { A: "eu", B: "eu", C: "eu-x", D: "fallback", E: "eu" },
      },
      docs: { type: "http", url: "https://docs.internal/mcp" },
    });
  });

  it("is not served when its file says user-invocable: false", () => {
    expect(parse(agentFileText(["description: d", "user-invocable: false"], "p")).userInvocable).toBe(false);
  });

  it.each([
    ["no front matter", "# Just a prompt", "sql.agent.md", "/srv/agents/sql.agent.md: has no YAML front matter"],
    ["no description", agentFileText(["name: SQL"], "p"), "sql.agent.md", 'front matter "description" is required'],
    ["an empty description", agentFileText(["description: ''"], "p"), "sql.agent.md", 'front matter "description" must be a non-empty string'],
    ["a name that is a number list", agentFileText(["description: d", "name: [1, 2]"], "p"), "sql.agent.md", 'front matter "name" must be a non-empty string'],
    ["tools of numbers", agentFileText(["description: d", "tools: [1, 2]"], "p"), "sql.agent.md", 'front matter "tools" must be a list of tool names'],
    ["an empty model list", agentFileText(["description: d", "model: []"], "p"), "sql.agent.md", 'front matter "model" must be a model'],
    ["servers as a list", agentFileText(["description: d", "mcp-servers: [a]"], "p"), "sql.agent.md", 'front matter "mcp-servers" must be an object'],
    ["a server without a command", agentFileText(["description: d", "mcp-servers:", "  pg:", "    type: local"], "p"), "sql.agent.md", 'sql.agent.md: mcp-servers: server "pg" command is required'],
    ["a yes-no word that is not one", agentFileText(["description: d", "user-invocable: maybe"], "p"), "sql.agent.md", 'front matter "user-invocable" must be true or false'],
    ["bad YAML", agentFileText(["description: d", "tools: [a, b"], "p"), "sql.agent.md", "the front matter is not valid YAML (line"],
    ["a key twice", agentFileText(["description: d", "description: e"], "p"), "sql.agent.md", "the front matter is not valid YAML (line 3)"],
    ["a list as front matter", agentFileText(["- a"], "p"), "sql.agent.md", "the front matter must be YAML fields"],
    ["a file name that is no model id", agentFileText(["description: d"], "p"), "SQL analyst.agent.md", "the file's name before .agent.md is the model id"],
    ["a prompt over GitHub's limit", agentFileText(["description: d"], "x".repeat(30_001)), "sql.agent.md", "is 30001 characters; an agent's prompt is at most 30000"],
  ])("is refused, naming the file and the field, for %s", (_, text, fileName, expected) => {
    const message = refusal(text, {}, fileName);
    expect(message).toContain(expected);
    expect(message).toContain(`/srv/agents/${fileName}`);
  });

  it("is refused when a server needs a secret the environment does not hold, without the value of any that it does", () => {
    const text = agentFileText(["description: d", "mcp-servers:", "  pg:", "    command: pg-mcp", "    args: ['${{ secrets.PG_URL }}', '$PG_PASSWORD']"], "p");
    const message = refusal(text, { PG_URL: "postgres://reader:hunter2@db/x" });
    expect(message).toBe('/srv/agents/sql.agent.md: mcp-servers: server "pg" args[1] needs the environment variable PG_PASSWORD, which is not set.');
    expect(message).not.toContain("hunter2");
  });

  it("names agent files by their suffix only", () => {
    expect(agentIdOf("sql.agent.md")).toBe("sql");
    expect(agentIdOf("README.md")).toBeUndefined();
    expect(agentIdOf("sql.agent.md.bak")).toBeUndefined();
  });
});

describe("GitHub's references to secrets", () => {
  const fill = gitHubReferences({ TOKEN: "t0k", EMPTY: "" });

  it("leaves text without a reference alone, dollar amounts and positional parameters too", () => {
    expect(fill("SELECT $1 costs 5$")).toBe("SELECT $1 costs 5$");
  });

  it("uses a default only when the variable is unset or empty", () => {
    expect(fill("${TOKEN:-x} ${EMPTY:-y} ${UNSET:-}")).toBe("t0k y ");
  });

  it("refuses a reference it cannot fill from the environment", () => {
    expect(() => fill("${input:token}")).toThrow("only the environment can be filled in");
    expect(() => fill("${{ secrets.UNSET }}")).toThrow("needs the environment variable UNSET");
  });
});
