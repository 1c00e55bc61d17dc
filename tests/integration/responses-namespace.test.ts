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
