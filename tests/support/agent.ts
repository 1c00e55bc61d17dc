// Helpers for agent-loop tests: an upstream script that keeps calling a tool
// until it has seen N native tool results, and an openai-client loop that
// runs the client's side of it.
import type OpenAI from "openai";
import { expect } from "vitest";
import type { RecordedCall, Responder, UpstreamRequest } from "./upstream.js";
import { lastUserText } from "./upstream.js";

export const LOOKUP_TOOL = {
  type: "function" as const,
  function: { name: "lookup", description: "Looks a step up.", parameters: { type: "object", properties: { step: { type: "number" } }, required: ["step"] } },
};

/**
 * Calls `lookup` until the request carries `steps` native tool results, then
 * answers. A gateway that flattened history into text would show the model no
 * tool messages, so this loop would never end: it only finishes natively.
 */
export function toolLoopResponder(steps: number, tag = ""): Responder {
  return (request) => {
    const results = request.messages.filter((message) => message.role === "tool").length;
    if (results < steps) {
      const step = results + 1;
      return { steps: [{ toolCall: { id: `call_${tag}${step}`, name: "lookup", arguments: JSON.stringify({ step }) } }] };
    }
    return { steps: [{ text: `done after ${results} tools for ${lastUserText(request) || "?"}` }] };
  };
}

export function userMessages(request: UpstreamRequest): number {
  return request.messages.filter((message) => message.role === "user").length;
}

export interface LoopRun {
  final: string;
  sessionIds: string[];
  requests: number;
}

/** Runs a client-side agent loop with the openai client: send, run each tool call, send the results, repeat. */
export async function runOpenAILoop(client: OpenAI, model: string, prompt: string, stream: boolean): Promise<LoopRun> {
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: prompt }];
  const sessionIds: string[] = [];
  for (let request = 1; request <= 8; request++) {
    let message: OpenAI.Chat.ChatCompletionMessage;
    if (stream) {
      const runner = client.chat.completions.stream({ model, messages, tools: [LOOKUP_TOOL] });
      message = (await runner.finalChatCompletion()).choices[0]!.message;
    } else {
      const { data, response } = await client.chat.completions.create({ model, messages, tools: [LOOKUP_TOOL] }).withResponse();
      sessionIds.push(response.headers.get("x-copilot-session-id") ?? "");
      message = data.choices[0]!.message;
    }
    messages.push(message);
    if (!message.tool_calls?.length) return { final: message.content ?? "", sessionIds, requests: request };
    for (const call of message.tool_calls) {
      if (call.type !== "function") continue;
      messages.push({ role: "tool", tool_call_id: call.id, content: `result of ${call.function.name}(${call.function.arguments})` });
    }
  }
  throw new Error("the agent loop did not finish in 8 requests");
}

/**
 * What the upstream saw of a toolLoopResponder(steps) loop that was one native
 * session: `steps + 1` model calls, each with the one user prompt, and the last
 * carrying every call and its result as native tool_calls and tool messages.
 */
export function expectNativeLoop(calls: readonly RecordedCall[], steps: number): void {
  const requests = calls.map((call) => call.request);
  expect(requests).toHaveLength(steps + 1);
  for (const request of requests) expect(userMessages(request)).toBe(1);
  const last = requests.at(-1)!.messages;
  const ids = Array.from({ length: steps }, (_, i) => `call_${i + 1}`);
  expect(last.filter((m) => m.role === "assistant").flatMap((m) => m.tool_calls ?? []).map((c) => c.id)).toEqual(ids);
  const toolMessages = last.filter((m) => m.role === "tool");
  expect(toolMessages.map((m) => m.tool_call_id)).toEqual(ids);
  expect(toolMessages[0]!.content).toContain('result of lookup({"step":1})');
}
