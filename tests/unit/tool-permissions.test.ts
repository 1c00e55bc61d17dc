// Which tools a session may run: the names the runtime offers the model, and
// its permission requests answered (shapes as runtime 1.0.85 sent them).
import type { PermissionRequest } from "@github/copilot-sdk";
import { describe, expect, it } from "vitest";
import { serverToolPatterns, shadowedServerTools, toolPermissions } from "../../src/runtime/tool-permissions.js";
import { mcpGrantsOf } from "../../src/access/mcp-grants.js";
import { sessionServers, type McpServerConfig, type McpServers } from "../../src/tools/mcp-servers.js";

const stdio = { command: "node", args: ["server.js"] };
const spec = {
  tools: [{ name: "get_weather" }],
  mcpServers: { everything: stdio, narrow: { ...stdio, tools: ["echo"] } },
};
const mcp = (serverName: string, tool: string): PermissionRequest => ({ kind: "mcp", serverName, toolName: `${serverName}-${tool}`, toolTitle: tool, readOnly: false, args: {} });
const decide = (request: PermissionRequest) => toolPermissions(spec)(request, { sessionId: "s" });

describe("serverToolPatterns", () => {
  it("offers every tool of a server without an allowlist, and only the listed ones of one with", () => {
    expect(serverToolPatterns({ a: stdio, b: { ...stdio, tools: ["echo", "get-sum"] }, c: { ...stdio, tools: ["*"] }, d: { ...stdio, tools: [] } })).toEqual(["a/*", "b/echo", "b/get-sum", "c/*"]);
    expect(serverToolPatterns(undefined)).toEqual([]);
  });
});

describe("shadowedServerTools", () => {
  it("excludes a server tool named like a client's tool, so the client's wins; nothing without servers", () => {
    expect(shadowedServerTools({ tools: [{ name: "everything-echo" }, { name: "get_weather" }], mcpServers: { everything: stdio } })).toEqual(["mcp:everything-echo", "mcp:get_weather"]);
    expect(shadowedServerTools({ tools: [{ name: "get_weather" }] })).toEqual([]);
  });
});

describe("toolPermissions", () => {
  it("approves the client's declared tools and the granted servers' allowed tools", async () => {
    expect(await decide({ kind: "custom-tool", toolName: "get_weather", toolDescription: "", args: {} } as PermissionRequest)).toEqual({ kind: "approve-once" });
    expect(await decide(mcp("everything", "toggle-simulated-logging"))).toEqual({ kind: "approve-once" });
    expect(await decide(mcp("narrow", "echo"))).toEqual({ kind: "approve-once" });
  });

  it("rejects, with feedback for the model, a tool outside an allowlist, an ungranted server, an undeclared tool and everything built in", async () => {
    const refused = [
      mcp("narrow", "get-sum"),
      mcp("other", "echo"),
      mcp("constructor", "echo"),
      { kind: "custom-tool", toolName: "not_declared", toolDescription: "", args: {} },
      { kind: "shell", fullCommandText: "rm -rf /", intention: "", commands: [], possiblePaths: [], possibleUrls: [], hasWriteFileRedirection: false, canOfferSessionApproval: false },
      { kind: "url", url: "http://169.254.169.254/", intention: "" },
    ] as PermissionRequest[];
    for (const request of refused) expect(await decide(request)).toMatchObject({ kind: "reject", feedback: expect.stringMatching(/granted MCP tools/) });
  });
});

describe("grants", () => {
  const configured: McpServers = new Map<string, McpServerConfig>([
    ["everything", stdio],
    ["slow", { ...stdio, timeout: 5_000 }],
  ]);

  it("gives callers without grants of their own the defaults, and a virtual key only its own", () => {
    expect(mcpGrantsOf({ kind: "static" }, ["everything"])).toEqual(["everything"]);
    expect(mcpGrantsOf({}, ["*"])).toEqual(["*"]);
    expect(mcpGrantsOf({ kind: "key" }, ["everything"])).toEqual([]);
    expect(mcpGrantsOf({ kind: "key", key: { mcpServers: ["slow"] } as never }, ["everything"])).toEqual(["slow"]);
  });

  it("opens a session with the granted servers, each call bounded by its own timeout or the gateway's", () => {
    expect(sessionServers(configured, ["*"], 60_000)).toEqual({ everything: { ...stdio, timeout: 60_000 }, slow: { ...stdio, timeout: 5_000 } });
    expect(sessionServers(configured, ["slow", "removed"], 60_000)).toEqual({ slow: { ...stdio, timeout: 5_000 } });
    expect(sessionServers(configured, [], 60_000)).toEqual({});
  });
});
