// Codex offers tools in namespaces (its multi-agent tools, each MCP server):
// the model sees their members as functions, the client gets its calls back
// with the namespace, and the results continue the same native session.
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => gw.upstream.reset());

const TOOLS = [
  { type: "function", name: "shell", description: "Runs a command.", parameters: { type: "object", properties: { command: { type: "array", items: { type: "string" } } } }, strict: false },
  {
    type: "namespace",
    name: "multi_agent_v1",
    description: "Work with sub-agents.",
    tools: [
      { type: "function", name: "spawn_agent", description: "Starts a sub-agent.", parameters: { type: "object", properties: { task: { type: "string" } } }, strict: false },
      { type: "function", name: "wait", description: "Waits for one.", parameters: { type: "object", properties: { id: { type: "string" } } }, strict: false },
    ],
  },
];

interface OutputItem {
  type: string;
  call_id?: string;
  name?: string;
  namespace?: string;
  arguments?: string;
}

it("offers namespace members to the model, returns their calls with the namespace, and continues natively on the result", async () => {
  gw.upstream.respondInOrder(
    { steps: [{ toolCall: { id: "call_spawn", name: "multi_agent_v1__spawn_agent", arguments: '{"task":"lint"}' } }] },
    { steps: [{ text: "The sub-agent is running." }] },
  );
  const input: Array<Record<string, unknown>> = [{ type: "message", role: "user", content: [{ type: "input_text", text: "lint it in the background" }] }];
  const first = await gw.post("/v1/responses", { model: TEST_MODEL, store: false, tools: TOOLS, input });
  expect(first.status).toBe(200);
  const offered = gw.upstream.calls[0]!.request.tools!.map((tool) => tool.function.name);
  expect(offered).toEqual(["shell", "multi_agent_v1__spawn_agent", "multi_agent_v1__wait"]);

  const body = (await first.json()) as { output: OutputItem[]; tools: Array<{ type: string; name: string }> };
  const call = body.output.find((item) => item.type === "function_call")!;
  expect(call).toMatchObject({ call_id: "call_spawn", namespace: "multi_agent_v1", name: "spawn_agent", arguments: '{"task":"lint"}' });
  expect(body.tools.map((tool) => `${tool.type}:${tool.name}`)).toEqual(["function:shell", "namespace:multi_agent_v1"]);

  // Codex resends the whole history, the call as it received it.
  input.push({ ...call }, { type: "function_call_output", call_id: "call_spawn", output: "agent a1 started" });
  const second = await gw.post("/v1/responses", { model: TEST_MODEL, store: false, tools: TOOLS, input });
  expect(second.status).toBe(200);
  expect(second.headers.get("x-copilot-session-origin")).toBe("continued");
  expect(second.headers.get("x-copilot-session-id")).toBe(first.headers.get("x-copilot-session-id"));
  const upstream = gw.upstream.calls[1]!.request.messages;
  expect(upstream.find((message) => message.role === "assistant")!.tool_calls![0]!.function.name).toBe("multi_agent_v1__spawn_agent");
  expect(upstream.at(-1)).toMatchObject({ role: "tool", tool_call_id: "call_spawn", content: "agent a1 started" });
});

it("streams the call with its namespace on output_item.added and output_item.done", async () => {
  gw.upstream.respondInOrder({ steps: [{ toolCall: { id: "call_wait", name: "multi_agent_v1__wait", arguments: '{"id":"a1"}' } }] });
  const response = await gw.post("/v1/responses", { model: TEST_MODEL, store: false, stream: true, tools: TOOLS, input: "wait for a1" });
  const items = (await response.text())
    .split("\n\n")
    .filter((frame) => frame.startsWith("event: response.output_item."))
    .map((frame) => (JSON.parse(frame.slice(frame.indexOf("data: ") + 6)) as { item: OutputItem }).item);
  expect(items).toHaveLength(2);
  for (const item of items) expect(item).toMatchObject({ type: "function_call", namespace: "multi_agent_v1", name: "wait" });
});

it("a client-executed tool_search: the call comes back as a tool_search_call, and the tools it loaded become callable", async () => {
  const search = { type: "tool_search", execution: "client", description: "Searches deferred tools.", parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] } };
  gw.upstream.respondInOrder(
    { steps: [{ toolCall: { id: "call_search", name: "tool_search", arguments: '{"query":"calendar"}' } }] },
    { steps: [{ toolCall: { id: "call_cal", name: "calendar__list_events", arguments: '{"day":"today"}' } }] },
  );
  const input: Array<Record<string, unknown>> = [{ role: "user", content: "what is on today?" }];
  const first = await gw.post("/v1/responses", { model: TEST_MODEL, store: false, tools: [search], input });
  const searchCall = ((await first.json()) as { output: Array<Record<string, unknown>> }).output.find((item) => item.type === "tool_search_call")!;
  expect(searchCall).toMatchObject({ type: "tool_search_call", call_id: "call_search", execution: "client", arguments: { query: "calendar" }, status: "completed" });

  // Codex answers with the tools it found; the model can now call them.
  const calendar = { type: "namespace", name: "calendar", description: "Calendar.", tools: [{ type: "function", name: "list_events", parameters: { type: "object", properties: { day: { type: "string" } } } }] };
  input.push({ ...searchCall }, { type: "tool_search_output", call_id: "call_search", execution: "client", tools: [calendar] });
  const second = await gw.post("/v1/responses", { model: TEST_MODEL, store: false, tools: [search], input });
  expect(second.status).toBe(200);
  // The tools changed, so a session with the new tools is seeded with the conversation so far.
  expect(second.headers.get("x-copilot-session-origin")).toBe("seeded");
  const upstream = gw.upstream.calls[1]!.request;
  expect(upstream.tools!.map((tool) => tool.function.name)).toEqual(["tool_search", "calendar__list_events"]);
  expect(upstream.messages.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
  expect(upstream.messages.at(-1)).toMatchObject({ tool_call_id: "call_search", content: "Tools now available: calendar__list_events." });
  const call = ((await second.json()) as { output: Array<Record<string, unknown>> }).output.find((item) => item.type === "function_call")!;
  expect(call).toMatchObject({ namespace: "calendar", name: "list_events", arguments: '{"day":"today"}' });
});
