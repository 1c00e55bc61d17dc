// An agent's tools resolved against the operator's servers and its own, the
// model its file names resolved against the models served, and what stops a
// set of agents from being served.
import { describe, expect, it } from "vitest";
import { AgentFileError, parseAgentFile } from "../../src/tools/agent-file.js";
import { agentModelOf, agentModelProblem, agentOf, agentServers, type Agent } from "../../src/tools/agents.js";
import type { McpServerConfig, McpServers } from "../../src/tools/mcp-servers.js";
import { agentFileText } from "../support/agents.js";

const stdio = (extra: Partial<McpServerConfig> = {}) => ({ type: "stdio", command: "mcp", args: [], ...extra }) as McpServerConfig;
const CONFIGURED: McpServers = new Map([
  ["grafana", stdio({ tools: ["search_dashboards", "query_prometheus"] })],
  ["logs", stdio()],
]);

function agent(fields: string[], configured: McpServers = CONFIGURED): Agent {
  return agentOf(parseAgentFile(agentFileText(["description: d", ...fields], "p"), "ops.agent.md", "/agents/ops.agent.md", {}), configured);
}

describe("an agent's tools", () => {
  it("give it the configured servers they name, narrowed to the tools named within each server's allowlist", () => {
    const ops = agent(["tools: ['grafana/query_prometheus', 'grafana/delete_everything', 'logs/*', 'logs/tail']"]);
    expect(ops.servers).toEqual({ grafana: stdio({ tools: ["query_prometheus"] }), logs: stdio({ tools: ["*"] }) });
    expect(ops.everyTool).toBe(false);
    expect(ops.ignoredTools).toEqual(["grafana/delete_everything"]);
  });

  it("keep a server's allowlist whole for <server>/*", () => {
    expect(agent(["tools: ['grafana/*']"]).servers).toEqual({ grafana: stdio({ tools: ["search_dashboards", "query_prometheus"] }) });
  });

  it("leave out names that are no server's tool: built-in aliases, bare names, servers the gateway does not have", () => {
    const ops = agent(["tools: ['read', 'edit', 'execute', 'github/*', 'logs/', '/x']"]);
    expect(ops.servers).toEqual({});
    expect(ops.ignoredTools).toEqual(["read", "edit", "execute", "github/*", "logs/", "/x"]);
  });

  it("give it its own servers only as far as they are named, and all of them for every tool", () => {
    const own = ["mcp-servers:", "  scratch:", "    command: scratch-mcp", "  unused:", "    command: unused-mcp"];
    expect(Object.keys(agent([...own, "tools: ['scratch/*']"]).servers)).toEqual(["scratch"]);
    const every = agent(own);
    expect(every.everyTool).toBe(true);
    expect(Object.keys(every.servers)).toEqual(["scratch", "unused"]);
    expect(agent([...own, "tools: ['*']"]).everyTool).toBe(true);
  });

  it("give an agent of every tool its caller's granted servers beside its own; a listed one only its own", () => {
    const granted = { logs: stdio() };
    expect(Object.keys(agentServers(agent([]), granted))).toEqual(["logs"]);
    expect(Object.keys(agentServers(agent(["tools: ['grafana/*']"]), granted))).toEqual(["grafana"]);
    expect(agentServers(agent(["tools: []"]), granted)).toEqual({});
  });

  it("refuse a server of its own named like a configured one, naming the file", () => {
    expect(() => agent(["mcp-servers:", "  logs:", "    command: other-logs"])).toThrow(AgentFileError);
    expect(() => agent(["mcp-servers:", "  logs:", "    command: other-logs"])).toThrow('/agents/ops.agent.md: mcp-servers "logs" has the name of a server of the MCP server file');
  });
});

describe("an agent's model", () => {
  const served = ["gpt-4.1", "claude-sonnet-4.5", "claude-haiku-4.5"];

  it("is found by id, by alias, and by GitHub's and VS Code's display names", () => {
    expect(agentModelOf("gpt-4.1", served)).toBe("gpt-4.1");
    expect(agentModelOf("fast", served, new Map([["fast", "claude-haiku-4.5"]]))).toBe("claude-haiku-4.5");
    expect(agentModelOf("Claude Sonnet 4.5", served)).toBe("claude-sonnet-4.5");
    expect(agentModelOf("GPT-4.1 (copilot)", served)).toBe("gpt-4.1");
    expect(agentModelOf("gpt-5", served)).toBeUndefined();
  });

  it("stops the agents being served when an id is a model's or a model is not served, naming the file", () => {
    const named = (id: string, models: string[] = []) => ({ ...agent([]), id, source: `/agents/${id}.agent.md`, models });
    expect(agentModelProblem([named("gpt-4.1")], served, {})).toBe('/agents/gpt-4.1.agent.md: the agent\'s id "gpt-4.1" is a model the gateway serves already; rename the file (its name is the id clients ask for).');
    expect(agentModelProblem([named("ops", ["gpt-9", "GPT 10"])], served, {})).toContain('/agents/ops.agent.md: front matter "model" gpt-9, GPT 10 is no model the gateway serves');
    expect(agentModelProblem([named("ops", ["gpt-9", "gpt-4.1"])], served, {})).toBeUndefined();
    const setting = { name: "gpt-9", setting: "GATEWAY_AGENTS_DEFAULT_MODEL" };
    expect(agentModelProblem([named("ops")], served, { defaultModel: setting })).toContain("GATEWAY_AGENTS_DEFAULT_MODEL gpt-9 is no model the gateway serves");
    expect(agentModelProblem([named("ops", ["gpt-4.1"])], served, { defaultModel: setting })).toBeUndefined();
    expect(agentModelProblem([named("ops")], [], {})).toContain("the gateway serves none");
  });
});
