// Anthropic's MCP connector on the gateway (`mcp_servers` + `mcp_toolset`
// under the `mcp-client-2025-11-20` beta), through the SDK's beta client:
// the runtime runs the real server-everything's tool inside the turn, and
// the answer carries the call as `mcp_tool_use` / `mcp_tool_result` blocks,
// streamed and not, checked against the SDK's Beta types.
import Anthropic from "@anthropic-ai/sdk";
import type { MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/beta/messages/messages";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { answerScript, everythingServer, offeredTools, servers, startHttpEverything, toolCallScript, toolResultSent } from "../support/mcp-servers.js";

const ANSWER = "The server said hi.";
const BETA = "mcp-client-2025-11-20";

let gw: TestGateway;
let anthropic: Anthropic;
let httpEverything: { url: string; stop: () => Promise<void> };

beforeAll(async () => {
  httpEverything = await startHttpEverything();
  gw = await startGateway({
    mcpServers: servers({ everything: everythingServer(), payroll: everythingServer() }),
    defaultMcpGrants: ["everything"],
    mcpAllowedUrls: [new URL(httpEverything.url).origin],
  });
  anthropic = new Anthropic({ baseURL: (await gw.listen()).replace(/\/v1$/, ""), apiKey: "k", maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
  await httpEverything.stop();
});
beforeEach(() => {
  gw.upstream.reset();
  gw.upstream.respondInOrder(toolCallScript("call_echo_a", "everything-echo", { message: "hi" }), answerScript(ANSWER));
});

type Body = Omit<MessageCreateParamsNonStreaming, "stream">;

function body(server: Record<string, unknown> = {}, toolset: Record<string, unknown> = {}): Body {
  const name = (server.name as string | undefined) ?? "everything";
  return {
    model: TEST_MODEL,
    max_tokens: 256,
    messages: [{ role: "user", content: "echo hi on the server" }],
    mcp_servers: [{ type: "url", name, url: "https://configured.invalid/mcp", ...server }],
    tools: [{ type: "mcp_toolset", mcp_server_name: name, ...toolset }],
    betas: [BETA],
  } as Body;
}

describe.each([false, true])("a configured server named in mcp_servers (stream: %s)", (stream) => {
  it("answers with the call's mcp_tool_use and mcp_tool_result blocks, then the text", async () => {
    const request = body();
    const message = stream ? await anthropic.beta.messages.stream(request).finalMessage() : await anthropic.beta.messages.create(request);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.content.map((block) => block.type)).toEqual(["mcp_tool_use", "mcp_tool_result", "text"]);
    expect(message.content[0]).toMatchObject({ type: "mcp_tool_use", id: "call_echo_a", name: "echo", server_name: "everything", input: { message: "hi" } });
    expect(message.content[1]).toMatchObject({ type: "mcp_tool_result", tool_use_id: "call_echo_a", is_error: false, content: [{ type: "text", text: "Echo: hi" }] });
    expect(message.content[2]).toMatchObject({ type: "text", text: ANSWER });
    expect(toolResultSent(gw.upstream.calls[1]!.request, "call_echo_a")).toBe("Echo: hi");
  });
});

describe("what a request may name", () => {
  it("offers only the tools a toolset enables when its default is off", async () => {
    await anthropic.beta.messages.create(body({}, { default_config: { enabled: false }, configs: { echo: { enabled: true } } }));
    expect(offeredTools(gw.upstream.calls[0]!.request).filter((name) => name.startsWith("everything-"))).toEqual(["everything-echo"]);
  });

  it("refuses a configured server the caller is not granted with a 403 naming the field", async () => {
    const error = await anthropic.beta.messages.create(body({ name: "payroll" })).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error)).toContain("mcp_servers[0].name");
    expect(gw.upstream.calls).toHaveLength(0);
  });

  it("refuses a URL outside GATEWAY_MCP_ALLOWED_URLS with a 400 naming mcp_servers[i].url", async () => {
    const error = await anthropic.beta.messages.create(body({ name: "internal", url: "http://169.254.169.254/latest" })).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error)).toContain("mcp_servers[0].url");
    expect(gw.upstream.calls).toHaveLength(0);
  });

  it("refuses a toolset that names no server of the request", async () => {
    const request = { ...body(), tools: [{ type: "mcp_toolset", mcp_server_name: "elsewhere" }] } as Body;
    const error = await anthropic.beta.messages.create(request).catch((thrown: unknown) => thrown);
    expect(JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error)).toContain("tools[0].mcp_server_name");
  });

  it("runs a remote server over streamable HTTP when its URL is allowed, passing the authorization token", async () => {
    gw.upstream.reset();
    gw.upstream.respondInOrder(toolCallScript("call_remote_a", "remote-echo", { message: "over http" }), answerScript(ANSWER));
    const message = await anthropic.beta.messages.create(body({ name: "remote", url: httpEverything.url, authorization_token: "secret-token-for-remote" }));
    expect(message.content[1]).toMatchObject({ type: "mcp_tool_result", content: [{ type: "text", text: "Echo: over http" }] });
  });

  it("accepts the connector's blocks sent back in a later turn, and continues the session", async () => {
    const first = await anthropic.beta.messages.create(body());
    gw.upstream.respondInOrder(answerScript("again"));
    const request = { ...body(), messages: [...body().messages, { role: "assistant", content: first.content }, { role: "user", content: "and now?" }] } as Body;
    const second = await anthropic.beta.messages.create(request);
    expect(second.content.map((block) => block.type)).toEqual(["text"]);
  });
});
