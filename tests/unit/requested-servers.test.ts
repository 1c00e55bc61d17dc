// Which servers a request may name (requested-servers.ts), and how calls
// wait on the client's approval (tool-approvals.ts).
import { describe, expect, it } from "vitest";
import type { RequestedServer } from "../../src/core/turn.js";
import { GatewayError } from "../../src/core/gateway-error.js";
import { resolveRequestedServers, urlAllowed } from "../../src/tools/requested-servers.js";
import { SessionApprovals, type PendingApproval } from "../../src/turns/tool-approvals.js";

describe("urlAllowed", () => {
  const prefixes = ["https://mcp.example.com", "http://10.0.0.5:8080/tools/"];
  it.each([
    ["https://mcp.example.com", true],
    ["https://mcp.example.com/mcp", true],
    ["https://MCP.example.com:443/mcp?x=1", true],
    ["http://10.0.0.5:8080/tools/logs", true],
    ["https://mcp.example.com.attacker.net/mcp", false],
    ["https://mcp.example.company/mcp", false],
    ["https://user:pw@mcp.example.com/mcp", false],
    ["http://mcp.example.com/mcp", false],
    ["http://10.0.0.5:8080/toolsx", false],
    ["http://10.0.0.5:8081/tools/logs", false],
    ["file:///etc/passwd", false],
    ["not a url", false],
  ])("%s → %s", (url, allowed) => {
    expect(urlAllowed(url, prefixes)).toBe(allowed);
  });

  it("allows nothing with no prefixes", () => {
    expect(urlAllowed("https://mcp.example.com/mcp", [])).toBe(false);
  });
});

const never = { default: "never" as const, always: [], never: [] };
const always = { default: "always" as const, always: [], never: [] };
const requested = (extra: Partial<RequestedServer>): RequestedServer => ({ param: "tools[0]", labelField: "server_label", urlField: "server_url", label: "logs", approval: never, listed: false, ...extra });

describe("resolveRequestedServers", () => {
  const configured = new Map([["logs", { command: "node", args: ["logs.js"], tools: ["search", "tail"] }]]);
  const policy = { configured, grants: ["logs"], allowedUrls: ["https://mcp.example.com"], callTimeoutMs: 1_000 };

  it("narrows a granted server to the request's allowed tools, never wider than the operator's", () => {
    const { servers } = resolveRequestedServers([requested({ allowedTools: ["tail", "delete"] })], policy);
    expect(servers.logs).toMatchObject({ command: "node", tools: ["tail"], timeout: 1_000 });
  });

  it("refuses a configured server the caller is not granted (403)", () => {
    const refuse = () => resolveRequestedServers([requested({})], { ...policy, grants: [] });
    expect(refuse).toThrow(GatewayError);
    expect(() => refuse()).toThrow(expect.objectContaining({ status: 403, param: "tools[0].server_label" }) as Error);
  });

  it("takes a remote server under an allowed prefix, with its headers, and keeps its approval rule", () => {
    const resolved = resolveRequestedServers([requested({ label: "remote", url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer t" }, approval: always })], policy);
    expect(resolved.servers.remote).toMatchObject({ type: "http", url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer t" }, tools: ["*"] });
    expect(resolved.approvals).toEqual({ remote: always });
  });

  it("refuses any other URL (400 on server_url)", () => {
    expect(() => resolveRequestedServers([requested({ label: "remote", url: "https://elsewhere.example/mcp" })], policy)).toThrow(
      expect.objectContaining({ status: 400, param: "tools[0].server_url" }) as Error,
    );
  });
});

describe("SessionApprovals", () => {
  const rules = { logs: { default: "never" as const, always: ["delete"], never: [] }, "logs-archive": always };

  it("lets calls the rules do not ask about through at once, and holds the others until decided", async () => {
    const approvals = new SessionApprovals(rules, () => "mcpr_1");
    expect(await approvals.gate({ toolName: "logs-search", arguments: {} })).toEqual({ allow: true });
    expect(await approvals.gate({ toolName: "client_tool", arguments: {} })).toEqual({ allow: true });
    const seen: PendingApproval[] = [];
    approvals.listen((pending) => seen.push(pending) > 0);
    const decision = approvals.gate({ toolName: "logs-delete", arguments: { id: 3 } });
    expect(seen).toMatchObject([{ id: "mcpr_1", server: "logs", tool: "delete", arguments: '{"id":3}' }]);
    seen[0]!.decide(false, "no");
    expect(await decision).toEqual({ allow: false, reason: "The user declined this call: no" });
  });

  it("names the longest server that prefixes the tool, and queues a request no turn listens for", async () => {
    const approvals = new SessionApprovals(rules, () => "mcpr_2");
    const decision = approvals.gate({ toolName: "logs-archive-list", arguments: {} });
    const seen: PendingApproval[] = [];
    approvals.listen((pending) => seen.push(pending) > 0);
    expect(seen).toMatchObject([{ server: "logs-archive", tool: "list" }]);
    seen[0]!.decide(true);
    expect(await decision).toEqual({ allow: true });
  });

  it("declines every waiting call when the session closes, and later ones too", async () => {
    const approvals = new SessionApprovals(rules);
    const waiting = approvals.gate({ toolName: "logs-delete", arguments: {} });
    approvals.close();
    expect(await waiting).toMatchObject({ allow: false });
    expect(await approvals.gate({ toolName: "logs-delete", arguments: {} })).toMatchObject({ allow: false });
  });
});

describe("SessionApprovals between turns", () => {
  it("keeps a request for the next turn when the listening turn is over", async () => {
    const approvals = new SessionApprovals({ logs: always }, () => "mcpr_3");
    approvals.listen(() => false);
    const decision = approvals.gate({ toolName: "logs-search", arguments: {} });
    const seen: PendingApproval[] = [];
    approvals.listen((pending) => seen.push(pending) > 0);
    expect(seen.map((pending) => pending.id)).toEqual(["mcpr_3"]);
    seen[0]!.decide(true);
    expect(await decision).toEqual({ allow: true });
  });

  it("hands the next turn the tool events the session sent while no turn listened", () => {
    const approvals = new SessionApprovals({ logs: always });
    let listener: ((event: never) => void) | undefined;
    approvals.bufferBetweenTurns((l) => {
      listener = l as never;
      return () => (listener = undefined);
    });
    listener!({ type: "tool.execution_complete", data: { toolCallId: "c1" } } as never);
    listener!({ type: "assistant.message_delta", data: {} } as never);
    expect(approvals.takeBuffered().map((event) => event.type)).toEqual(["tool.execution_complete"]);
    expect(listener).toBeUndefined();
  });
});
