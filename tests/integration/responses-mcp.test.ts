// Responses' remote MCP (`mcp` tools) on the gateway: a server the operator
// configured, named by its label, or a remote one by URL where the operator
// allows it; its tools listed (`mcp_list_tools`), its calls shown
// (`mcp_call`), run by the real runtime against the real server-everything
// (over stdio and over its streamable HTTP transport), and calls held for
// the client's approval across two requests. Every body and stream event is
// checked against OpenAI's spec by the conformance setup.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import type { ResponseCreateParamsNonStreaming, ResponseInputItem, Tool } from "openai/resources/responses/responses";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { answerScript, everythingServer, offeredTools, servers, startHttpEverything, toolCallScript, toolResultSent } from "../support/mcp-servers.js";

const ANSWER = "The server said hi.";

let gw: TestGateway;
let openai: OpenAI;
let httpEverything: { url: string; stop: () => Promise<void> };
/** Counts connections made to a URL no request may reach. */
let forbidden: { server: Server; url: string; connections: number };

beforeAll(async () => {
  httpEverything = await startHttpEverything();
  const server = createServer((_req, res) => res.end());
  forbidden = { server, url: "", connections: 0 };
  server.on("connection", () => forbidden.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  forbidden.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  gw = await startGateway({
    mcpServers: servers({ everything: everythingServer(), payroll: everythingServer() }),
    defaultMcpGrants: ["everything"],
    // The HTTP server's origin, as an operator would allow an internal service's.
    mcpAllowedUrls: [new URL(httpEverything.url).origin],
  });
  openai = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
  await httpEverything.stop();
  forbidden.server.close();
});
beforeEach(() => {
  gw.upstream.reset();
  gw.upstream.respondInOrder(toolCallScript("call_echo_r", "everything-echo", { message: "hi" }), answerScript(ANSWER));
});

const mcpTool = (extra: Record<string, unknown> = {}): Tool => ({ type: "mcp", server_label: "everything", require_approval: "never", ...extra }) as Tool;

type Body = Omit<ResponseCreateParamsNonStreaming, "stream">;

function request(tools: Tool[], input: Body["input"] = "echo hi on the server"): Body {
  return { model: TEST_MODEL, input, tools };
}

describe.each([false, true])("a configured server named by its label (stream: %s)", (stream) => {
  it("lists its tools, shows the call the runtime ran, then the answer", async () => {
    const body = request([mcpTool()]);
    const response = stream ? await openai.responses.stream(body).finalResponse() : await openai.responses.create(body);
    expect(response.status).toBe("completed");
    expect(response.output.map((item) => item.type)).toEqual(["mcp_list_tools", "mcp_call", "message"]);
    const [listed, call] = response.output;
    if (listed?.type !== "mcp_list_tools" || call?.type !== "mcp_call") throw new Error("unexpected items");
    expect(listed.server_label).toBe("everything");
    expect(listed.tools.find((tool) => tool.name === "echo")?.input_schema).toMatchObject({ type: "object", properties: { message: { type: "string" } } });
    expect(call).toMatchObject({ server_label: "everything", name: "echo", arguments: '{"message":"hi"}', output: "Echo: hi", status: "completed", approval_request_id: null });
    expect(response.output_text).toBe(ANSWER);
    expect(toolResultSent(gw.upstream.calls[1]!.request, "call_echo_r")).toBe("Echo: hi");
    // The request's tools are echoed without its headers.
    expect(response.tools).toEqual([expect.objectContaining({ type: "mcp", server_label: "everything", headers: null })]);
  });
});

describe("what a request may name", () => {
  it("narrows the server's tools to allowed_tools: the model is offered only those", async () => {
    const response = await openai.responses.create(request([mcpTool({ allowed_tools: ["echo"] })]));
    expect(offeredTools(gw.upstream.calls[0]!.request).filter((name) => name.startsWith("everything-"))).toEqual(["everything-echo"]);
    const listed = response.output[0];
    expect(listed?.type === "mcp_list_tools" && listed.tools.map((tool) => tool.name)).toEqual(["echo"]);
  });

  it("does not list the tools again when the input holds the list", async () => {
    const first = await openai.responses.create(request([mcpTool()]));
    gw.upstream.respondInOrder(answerScript("again"));
    const input = [...(first.output as ResponseInputItem[]), { role: "user" as const, content: "and now?" }];
    const second = await openai.responses.create(request([mcpTool()], input));
    expect(second.output.map((item) => item.type)).toEqual(["message"]);
  });

  it("refuses a configured server the caller is not granted with a 403 naming the field", async () => {
    const error = await openai.responses.create(request([mcpTool({ server_label: "payroll" })])).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ param: "tools[0].server_label", code: "mcp_server_not_granted" });
    expect(gw.upstream.calls).toHaveLength(0);
  });

  it("refuses a server URL outside GATEWAY_MCP_ALLOWED_URLS with a 400 naming the field, and makes no connection", async () => {
    for (const url of [forbidden.url, `${new URL(httpEverything.url).origin}.attacker.example/mcp`, "file:///etc/passwd"]) {
      const error = await openai.responses.create(request([mcpTool({ server_label: "internal", server_url: url })])).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ param: "tools[0].server_url", code: "mcp_server_url_not_allowed" });
    }
    expect(forbidden.connections).toBe(0);
    expect(gw.upstream.calls).toHaveLength(0);
  });

  it("refuses an unknown label with no URL, and a malformed label", async () => {
    const unknown = await openai.responses.create(request([mcpTool({ server_label: "nowhere" })])).catch((thrown: unknown) => thrown);
    expect((unknown as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ param: "tools[0].server_label" });
    const malformed = await openai.responses.create(request([mcpTool({ server_label: "has space" })])).catch((thrown: unknown) => thrown);
    expect((malformed as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((malformed as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ param: "tools[0].server_label" });
  });

  it("runs a remote server over streamable HTTP when its URL is allowed", async () => {
    gw.upstream.reset();
    gw.upstream.respondInOrder(toolCallScript("call_remote", "remote-echo", { message: "over http" }), answerScript(ANSWER));
    const response = await openai.responses.create(request([mcpTool({ server_label: "remote", server_url: httpEverything.url })]));
    expect(response.output.map((item) => item.type)).toEqual(["mcp_list_tools", "mcp_call", "message"]);
    expect(response.output[1]).toMatchObject({ type: "mcp_call", server_label: "remote", name: "echo", output: "Echo: over http" });
    expect(toolResultSent(gw.upstream.calls[1]!.request, "call_remote")).toBe("Echo: over http");
  });
});

describe.each([false, true])("approval across two requests (stream: %s)", (stream) => {
  const create = (body: Body) => (stream ? openai.responses.stream(body).finalResponse() : openai.responses.create(body));

  it("holds the call until the client approves it, then runs it in the same session", async () => {
    const auditedBefore = (await gw.toolCalls.list({})).length;
    const tools = [mcpTool({ require_approval: "always" })];
    const first = await create(request(tools));
    expect(first.output.map((item) => item.type)).toEqual(["mcp_list_tools", "mcp_approval_request"]);
    const approval = first.output[1];
    if (approval?.type !== "mcp_approval_request") throw new Error("no approval request");
    expect(approval).toMatchObject({ server_label: "everything", name: "echo", arguments: '{"message":"hi"}' });
    // The call waits: the model has not been called again.
    expect(gw.upstream.calls).toHaveLength(1);

    const second = await create({ model: TEST_MODEL, previous_response_id: first.id, tools, input: [{ type: "mcp_approval_response", approval_request_id: approval.id, approve: true }] });
    expect(second.output.map((item) => item.type)).toEqual(["mcp_call", "message"]);
    expect(second.output[0]).toMatchObject({ type: "mcp_call", name: "echo", output: "Echo: hi", approval_request_id: approval.id });
    expect(second.output_text).toBe(ANSWER);
    expect(gw.upstream.calls).toHaveLength(2);
    expect(toolResultSent(gw.upstream.calls[1]!.request, "call_echo_r")).toBe("Echo: hi");
    // Audited once, when it ran, though it started in the first request.
    const audited = await vi.waitFor(async () => {
      const records = await gw.toolCalls.list({});
      expect(records.length).toBe(auditedBefore + 1);
      return records;
    });
    expect(audited.find((record) => record.tool === "echo" && record.outcome === "ok")).toBeDefined();
  });

  it("tells the model the call was declined, and shows no call", async () => {
    const auditedBefore = (await gw.toolCalls.list({})).length;
    const tools = [mcpTool({ require_approval: { always: { tool_names: ["echo"] } } })];
    const first = await create(request(tools));
    const approval = first.output.find((item) => item.type === "mcp_approval_request");
    if (approval?.type !== "mcp_approval_request") throw new Error("no approval request");
    const second = await create({
      model: TEST_MODEL,
      previous_response_id: first.id,
      tools,
      input: [{ type: "mcp_approval_response", approval_request_id: approval.id, approve: false, reason: "not today" }],
    });
    expect(second.output.map((item) => item.type)).toEqual(["message"]);
    expect(toolResultSent(gw.upstream.calls[1]!.request, "call_echo_r")).toContain("not today");
    const audited = await vi.waitFor(async () => {
      const records = await gw.toolCalls.list({});
      expect(records.length).toBe(auditedBefore + 1);
      return records;
    });
    expect(audited.map((record) => record.outcome)).toContain("refused");
  });
});

it("asks for two parallel calls one after the other, and runs both once both are approved", async () => {
  gw.upstream.reset();
  gw.upstream.respondInOrder(
    { steps: [{ toolCall: { id: "call_par_echo", name: "everything-echo", arguments: '{"message":"one"}' } }, { toolCall: { id: "call_par_sum", name: "everything-get-sum", arguments: '{"a":1,"b":2}' } }] },
    answerScript(ANSWER),
  );
  const tools = [mcpTool({ require_approval: "always" })];
  const approve = (previous: { id: string; output: Array<{ type: string; id?: string }> }) => {
    const request = previous.output.find((item) => item.type === "mcp_approval_request");
    if (!request?.id) throw new Error(`no approval request in ${JSON.stringify(previous.output.map((item) => item.type))}`);
    return openai.responses.create({ model: TEST_MODEL, previous_response_id: previous.id, tools, input: [{ type: "mcp_approval_response", approval_request_id: request.id, approve: true }] });
  };
  const first = await openai.responses.create(request(tools));
  expect(first.output.filter((item) => item.type === "mcp_approval_request").map((item) => (item as { name: string }).name)).toEqual(["echo"]);
  const second = await approve(first);
  expect(second.output.filter((item) => item.type === "mcp_approval_request").map((item) => (item as { name: string }).name)).toEqual(["get-sum"]);
  const third = await approve(second);
  const calls = [...second.output, ...third.output].filter((item) => item.type === "mcp_call").map((item) => (item as { name: string; output: string }).output);
  expect(calls.sort()).toEqual(["Echo: one", "The sum of 1 and 2 is 3."]);
  expect(third.output_text).toBe(ANSWER);
  expect(toolResultSent(gw.upstream.calls[1]!.request, "call_par_echo")).toBe("Echo: one");
  expect(toolResultSent(gw.upstream.calls[1]!.request, "call_par_sum")).toBe("The sum of 1 and 2 is 3.");
});

it("answers an approval response no session holds with a 400", async () => {
  const tools = [mcpTool({ require_approval: "always" })];
  const error = await openai.responses
    .create({
      model: TEST_MODEL,
      tools,
      input: [
        { role: "user", content: "echo hi" },
        { type: "mcp_approval_request", id: "mcpr_gone", server_label: "everything", name: "echo", arguments: "{}" },
        { type: "mcp_approval_response", approval_request_id: "mcpr_gone", approve: true },
      ] as ResponseInputItem[],
    })
    .catch((thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: "approval_request_not_pending" });
});

it("answers a new message sent instead of the approval, without waiting on the held call", async () => {
  const tools = [mcpTool({ require_approval: "always" })];
  const first = await openai.responses.create(request(tools));
  expect(first.output.map((item) => item.type)).toContain("mcp_approval_request");
  gw.upstream.respondInOrder(answerScript("Something else, then."));
  const second = await openai.responses.create({ model: TEST_MODEL, previous_response_id: first.id, tools, input: "never mind that" });
  expect(second.output_text).toBe("Something else, then.");
});

describe("an approval that comes after its session was closed", () => {
  let shortLived: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    shortLived = await startGateway({ mcpServers: servers({ everything: everythingServer() }), defaultMcpGrants: ["everything"], sessionTtlMs: 300 });
    client = new OpenAI({ baseURL: await shortLived.listen(), apiKey: "k", maxRetries: 0 });
  });
  afterAll(async () => {
    await shortLived.close();
  });

  it("is a 400, and the held call was declined, never run", async () => {
    shortLived.upstream.respondInOrder(toolCallScript("call_late", "everything-echo", { message: "late" }), answerScript("unused"));
    const tools = [mcpTool({ require_approval: "always" })];
    const first = await client.responses.create(request(tools));
    const approval = first.output.find((item) => item.type === "mcp_approval_request");
    if (approval?.type !== "mcp_approval_request") throw new Error("no approval request");
    await new Promise((resolve) => setTimeout(resolve, 600));
    const error = await client.responses
      .create({ model: TEST_MODEL, previous_response_id: first.id, tools, input: [{ type: "mcp_approval_response", approval_request_id: approval.id, approve: true }] })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: "approval_request_not_pending" });
    // The runtime was let go of the call: no model call carried its result.
    expect(shortLived.upstream.calls.some((call) => toolResultSent(call.request, "call_late") === "Echo: late")).toBe(false);
  });
});
