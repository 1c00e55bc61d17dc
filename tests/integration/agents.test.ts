// The operator's agents served as models: a request for an agent's id runs a
// session of the SDK's custom agent on the real runtime, on the agent's
// model, with its prompt after the client's system message and exactly the
// tools it names — the operator's servers (the real server-everything over
// stdio) and the servers its own file defines — granted to whoever may use
// the agent. Seen where it matters: in what the scripted model was sent.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { agentDirectory, agentFileText, systemPromptSent } from "../support/agents.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { answerScript, EVERYTHING_BIN, everythingServer, offeredTools, servers, toolCallScript, toolResultSent } from "../support/mcp-servers.js";
import { lastUserText } from "../support/upstream.js";

const STATIC_KEY = "sk-static-agents-0123456789";
const WEATHER = { type: "function" as const, function: { name: "get_weather", description: "The weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } } };

const OPERATOR_SERVERS = servers({ everything: everythingServer(), metrics: everythingServer({ tools: ["get-sum", "echo"] }) });
const AGENT_FILES = {
  "triage.agent.md": agentFileText(
    ["name: Incident triage", "description: 'Reads the logs and says what broke'", "tools: ['everything/echo', 'read', 'edit', 'grafana/*']", "model: other-model", "target: github-copilot"],
    "You triage incidents. Quote the logs.",
  ),
  "adder.agent.md": agentFileText(
    [
      "description: Adds numbers on a server of its own",
      "tools: scratch/get-sum, metrics/get-sum",
      "mcp-servers:",
      "  scratch:",
      "    type: local",
      `    command: ${JSON.stringify(process.execPath)}`,
      `    args: [${JSON.stringify(EVERYTHING_BIN)}]`,
      "    tools: ['*']",
    ],
    "You add numbers.",
  ),
  "helper.agent.md": agentFileText(["description: A helper with every tool its caller has"], "You help."),
};

let gw: TestGateway;
let openai: OpenAI;
let baseURL: string;
beforeAll(async () => {
  gw = await startGateway({ auth: "keys", apiKeys: [STATIC_KEY], mcpServers: OPERATOR_SERVERS, defaultMcpGrants: [], agents: agentDirectory(AGENT_FILES, OPERATOR_SERVERS) });
  baseURL = await gw.listen();
  openai = new OpenAI({ baseURL, apiKey: STATIC_KEY, maxRetries: 0 });
});
afterAll(() => gw.close());
beforeEach(() => gw.upstream.reset());

const serverTools = (names: string[]) => names.filter((name) => name.includes("-")).sort();

describe("agents in /v1/models", () => {
  it("are listed beside the models with their description and their file's name", async () => {
    const page = await openai.models.list();
    const listed = Object.fromEntries(page.data.map((model) => [model.id, model as unknown as Record<string, unknown>]));
    expect(Object.keys(listed).sort()).toEqual(["adder", "helper", "other-model", TEST_MODEL, "triage"].sort());
    expect(listed.triage).toMatchObject({ object: "model", owned_by: "agent", display_name: "Incident triage", description: "Reads the logs and says what broke" });
    expect(listed.adder).toMatchObject({ display_name: "adder", description: "Adds numbers on a server of its own" });
    expect(listed[TEST_MODEL]).not.toHaveProperty("description");
    expect(await openai.models.retrieve("helper")).toMatchObject({ id: "helper", description: "A helper with every tool its caller has" });
  });

  it("show a key only the agents its model list names", async () => {
    const { key } = await gw.keys.create({ name: "triage only", models: ["triage"] });
    const page = await new OpenAI({ baseURL, apiKey: key, maxRetries: 0 }).models.list();
    expect(page.data.map((model) => model.id)).toEqual(["triage"]);
  });
});

describe("a request for an agent", () => {
  it("runs on the agent's model, with its prompt after the client's system message and only the tools it names beside the client's", async () => {
    const completion = await openai.chat.completions.create({
      model: "triage",
      tools: [WEATHER],
      messages: [
        { role: "system", content: "You are inside the team's chat." },
        { role: "user", content: "what broke?" },
      ],
    });
    expect(completion.model).toBe("triage");
    expect(completion.choices[0]!.message.content).toBe("echo: what broke?");
    const sent = gw.upstream.calls[0]!.request;
    expect(sent.model).toBe("other-model");
    const system = systemPromptSent(sent);
    expect(system.startsWith("You are inside the team's chat.")).toBe(true);
    expect(system).toContain("<agent_instructions>");
    expect(system).toContain("You triage incidents. Quote the logs.");
    // everything/echo only (not the rest of the server, nor metrics): the built-in names and an unknown server left out.
    expect(offeredTools(sent).sort()).toEqual(["everything-echo", "get_weather"]);
  });

  it("grants the agent's servers to a caller granted none, for the agent's sessions only", async () => {
    await openai.chat.completions.create({ model: TEST_MODEL, messages: [{ role: "user", content: "plain" }] });
    expect(offeredTools(gw.upstream.calls[0]!.request)).toEqual([]);
  });

  it("runs the agent's server tool inside the turn; the client gets the answer and the audit names the agent", async () => {
    gw.upstream.respondInOrder(toolCallScript("call_triage_echo", "everything-echo", { message: "disk full" }), answerScript("The disk is full."));
    const completion = await openai.chat.completions.create({ model: "triage", messages: [{ role: "user", content: "read the logs" }] });
    expect(completion.choices[0]!.message.content).toBe("The disk is full.");
    expect(completion.choices[0]!.message.tool_calls).toBeUndefined();
    expect(toolResultSent(gw.upstream.calls[1]!.request, "call_triage_echo")).toBe("Echo: disk full");
    const records = await vi.waitFor(async () => {
      const found = (await gw.toolCalls.list({})).filter((record) => record.tool === "echo");
      expect(found).toHaveLength(1);
      return found;
    });
    expect(records[0]).toMatchObject({ model: "triage", server: "everything", outcome: "ok" });
  });

  it("gives the agent the servers its own file defines, and the operator's it names within their allowlist; without a model it runs on the first served", async () => {
    gw.upstream.respondInOrder(toolCallScript("call_sum", "scratch-get-sum", { a: 2, b: 3 }), answerScript("5"));
    const completion = await openai.chat.completions.create({ model: "adder", messages: [{ role: "user", content: "2 + 3?" }] });
    expect(completion.choices[0]!.message.content).toBe("5");
    const sent = gw.upstream.calls[0]!.request;
    expect(sent.model).toBe(TEST_MODEL);
    expect(serverTools(offeredTools(sent))).toEqual(["metrics-get-sum", "scratch-get-sum"]);
    expect(toolResultSent(gw.upstream.calls[1]!.request, "call_sum")).toContain("5");
  });

  it("of every tool gives the caller's own granted servers, and the client's tools", async () => {
    const { key } = await gw.keys.create({ name: "metrics user", mcp_servers: ["metrics"] });
    const client = new OpenAI({ baseURL, apiKey: key, maxRetries: 0 });
    await client.chat.completions.create({ model: "helper", tools: [WEATHER], messages: [{ role: "user", content: "help" }] });
    expect(offeredTools(gw.upstream.calls[0]!.request).sort()).toEqual(["get_weather", "metrics-echo", "metrics-get-sum"]);
    await openai.chat.completions.create({ model: "helper", messages: [{ role: "user", content: "help" }] });
    expect(offeredTools(gw.upstream.calls[1]!.request)).toEqual([]);
  });

  it("is refused to a key whose model list does not name the agent, and served to one that names it alone", async () => {
    const plain = await gw.keys.create({ name: "plain models", models: [TEST_MODEL] });
    const refused = await gw.post("/v1/chat/completions", { model: "triage", messages: [{ role: "user", content: "hi" }] }, { authorization: `Bearer ${plain.key}` });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error: { code: "model_not_found", param: "model" } });
    const allowed = await gw.keys.create({ name: "triage user", models: ["triage"] });
    const served = await gw.post("/v1/chat/completions", { model: "triage", messages: [{ role: "user", content: "hi" }] }, { authorization: `Bearer ${allowed.key}` });
    expect(served.status).toBe(200);
    expect(gw.upstream.calls[0]!.request.model).toBe("other-model");
  });
});

describe("sessions of an agent", () => {
  const ask = async (model: string, messages: OpenAI.ChatCompletionMessageParam[]) => {
    const response = await gw.post("/v1/chat/completions", { model, messages }, { authorization: `Bearer ${STATIC_KEY}` });
    expect(response.status).toBe(200);
    const body = (await response.json()) as OpenAI.ChatCompletion;
    return { session: response.headers.get("x-copilot-session-id"), origin: response.headers.get("x-copilot-session-origin"), answer: body.choices[0]!.message };
  };

  it("are kept apart from the same conversation with a plain model, and continue as the agent", async () => {
    const question: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "the same question" }];
    const plain = await ask(TEST_MODEL, question);
    const agent = await ask("helper", question);
    expect(agent.session).not.toBe(plain.session);
    expect(systemPromptSent(gw.upstream.calls[0]!.request)).not.toContain("agent_instructions");
    const next = await ask("helper", [...question, { role: "assistant", content: agent.answer.content }, { role: "user", content: "and then?" }]);
    expect(next).toMatchObject({ session: agent.session, origin: "continued" });
    const sent = gw.upstream.calls.at(-1)!.request;
    expect(systemPromptSent(sent)).toContain("You help.");
    expect(lastUserText(sent)).toBe("and then?");
  });

  it("are opened ahead for the next new conversation with the agent (warm)", async () => {
    // Sessions of the conversations above, evicted at the ledger's cap, are recycled first (recycled-sessions.test.ts): not here.
    gw.turns.recycled.release();
    // Nothing opened ahead for the conversations above may still be opening when the first task ends: it would have no room for one.
    await gw.turns.settled();
    await ask("helper", [{ role: "user", content: "first task" }]);
    await gw.turns.settled();
    const second = await ask("helper", [{ role: "user", content: "second task" }]);
    expect(second.origin).toBe("warm");
    expect(systemPromptSent(gw.upstream.calls.at(-1)!.request)).toContain("You help.");
  });

  it("seed a history the gateway never saw as the agent's own", async () => {
    const seeded = await ask("triage", [
      { role: "user", content: "earlier question" },
      { role: "assistant", content: "earlier answer" },
      { role: "user", content: "new question" },
    ]);
    expect(seeded.origin).toBe("seeded");
    const sent = gw.upstream.calls.at(-1)!.request;
    expect(sent.model).toBe("other-model");
    expect(systemPromptSent(sent)).toContain("You triage incidents.");
    expect(sent.messages.filter((message) => message.role !== "system").map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(offeredTools(sent)).toEqual(["everything-echo"]);
  });
});

describe("agents in the other dialects", () => {
  it("answer Claude Code's Messages requests by the agent's id", async () => {
    const anthropic = new Anthropic({ baseURL: baseURL.replace(/\/v1$/, ""), apiKey: STATIC_KEY, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: "triage", max_tokens: 100, system: "Claude Code's prompt.", messages: [{ role: "user", content: "from claude code" }] });
    expect(message.model).toBe("triage");
    expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "echo: from claude code" })]);
    const sent = gw.upstream.calls[0]!.request;
    expect(sent.model).toBe("other-model");
    expect(systemPromptSent(sent)).toContain("You triage incidents.");
  });

  it("take a server a Responses request names beside the agent's own, its calls held for approval across two requests", async () => {
    const { key } = await gw.keys.create({ name: "metrics approver", mcp_servers: ["metrics"] });
    const client = new OpenAI({ baseURL, apiKey: key, maxRetries: 0 });
    gw.upstream.respondInOrder(toolCallScript("call_metrics_echo", "metrics-echo", { message: "hi" }), answerScript("Approved and echoed."));
    const tools = [{ type: "mcp", server_label: "metrics", require_approval: "always" }] as OpenAI.Responses.Tool[];
    const first = await client.responses.create({ model: "triage", input: "echo hi on metrics", tools });
    expect(offeredTools(gw.upstream.calls[0]!.request).sort()).toEqual(["everything-echo", "metrics-echo", "metrics-get-sum"]);
    const approval = first.output.find((item) => item.type === "mcp_approval_request");
    if (approval?.type !== "mcp_approval_request") throw new Error(`no approval request: ${first.output.map((item) => item.type).join(", ")}`);
    expect(approval).toMatchObject({ server_label: "metrics", name: "echo" });
    const second = await client.responses.create({ model: "triage", previous_response_id: first.id, tools, input: [{ type: "mcp_approval_response", approval_request_id: approval.id, approve: true }] });
    expect(second.output_text).toBe("Approved and echoed.");
    expect(toolResultSent(gw.upstream.calls[1]!.request, "call_metrics_echo")).toBe("Echo: hi");
    expect(systemPromptSent(gw.upstream.calls[1]!.request)).toContain("You triage incidents.");
  });

  it("answer Codex's Responses requests by the agent's id", async () => {
    const response = await openai.responses.create({ model: "triage", instructions: "Codex's prompt.", input: "from codex" });
    expect(response.model).toBe("triage");
    expect(response.output_text).toBe("echo: from codex");
    expect(systemPromptSent(gw.upstream.calls[0]!.request)).toContain("You triage incidents.");
  });
});
