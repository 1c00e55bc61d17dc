// A conversation is not tied to the process that began it: begun on one
// gateway process, it goes on natively on a second one, and on the first
// again after a restart. Checked where it matters, at the (strict) scripted
// model: every request carries the conversation as native messages.
import { afterAll, beforeAll, expect, it } from "vitest";
import { TEST_MODEL } from "../support/gateway.js";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { LOOKUP_TOOL, toolLoopResponder } from "../support/agent.js";
import { ScriptedUpstream, type UpstreamMessage } from "../support/upstream.js";

let upstream: ScriptedUpstream;
const running: GatewayProcess[] = [];

/** A gateway process with a data directory of its own, on the one scripted model. */
async function launch(): Promise<GatewayProcess> {
  const gateway = await startGatewayProcess({ upstreamUrl: upstream.baseUrl });
  running.push(gateway);
  return gateway;
}

beforeAll(async () => {
  upstream = await new ScriptedUpstream([TEST_MODEL]).start();
});
afterAll(async () => {
  for (const gateway of running) await gateway.close();
  await upstream.stop();
});

interface ChatMessage {
  role: string;
  content: string | null;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

async function chat(gateway: GatewayProcess, messages: ChatMessage[]): Promise<{ message: ChatMessage; origin: string | null }> {
  const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: TEST_MODEL, messages, tools: [LOOKUP_TOOL] }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { choices: Array<{ message: ChatMessage }> };
  return { message: body.choices[0]!.message, origin: response.headers.get("x-copilot-session-origin") };
}

function roles(messages: UpstreamMessage[]): string {
  return messages.map((message) => (message.role === "assistant" && message.tool_calls ? "assistant(calls)" : message.role)).join(" ");
}

it("goes on natively on a second process and on the first after its restart", async () => {
  upstream.respond(toolLoopResponder(2));
  const first = await launch();
  const second = await launch();

  // Process 1: the question; the model calls lookup.
  const messages: ChatMessage[] = [{ role: "user", content: "look it up twice" }];
  let turn = await chat(first, messages);
  expect(turn.origin).toBe("new");
  messages.push(turn.message, { role: "tool", tool_call_id: turn.message.tool_calls![0]!.id, content: "result one" });

  // Process 2 never saw the conversation: it seeds it and answers the tool result natively.
  turn = await chat(second, messages);
  expect(turn.origin).toBe("seeded");
  expect(roles(upstream.calls.at(-1)!.request.messages)).toBe("user assistant(calls) tool");
  messages.push(turn.message, { role: "tool", tool_call_id: turn.message.tool_calls![0]!.id, content: "result two" });

  // Process 1, restarted: its sessions are gone with it; the conversation goes on natively all the same.
  await first.close();
  const restarted = await launch();
  turn = await chat(restarted, messages);
  expect(turn.origin).toBe("seeded");
  expect(turn.message.content).toBe("done after 2 tools for look it up twice");
  expect(roles(upstream.calls.at(-1)!.request.messages)).toBe("user assistant(calls) tool assistant(calls) tool");

  // The strict model refused nothing along the way: no runtime-private field reached it.
  expect(upstream.calls.filter((call) => call.rejected)).toEqual([]);
  expect(upstream.calls.every((call) => userCount(call.request.messages) === 1)).toBe(true);
  // Three gateway processes start one after another: ~10 s alone, near 20 s on a fully loaded 2-core machine.
}, 90_000);

function userCount(messages: UpstreamMessage[]): number {
  return messages.filter((message) => message.role === "user").length;
}
