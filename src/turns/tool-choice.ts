// tool_choice, as far as the runtime lets it be honoured: "none" offers no
// tools, a named function offers only that one, and "required" or a named
// function makes an answer without a tool call an error rather than a
// silently ignored instruction (contract B.3 #22).
import { GatewayError } from "../core/gateway-error.js";
import type { ToolDefinition, TurnEvent, TurnRequest } from "../core/turn.js";

export function offeredTools(request: Pick<TurnRequest, "tools" | "toolChoice">): ToolDefinition[] {
  const choice = request.toolChoice;
  if (choice === "none") return [];
  if (typeof choice === "object") return request.tools.filter((tool) => tool.name === choice.name);
  return request.tools;
}

export function requiresToolCall(request: Pick<TurnRequest, "toolChoice">): boolean {
  return request.toolChoice === "required" || typeof request.toolChoice === "object";
}

/** Passes events through; an answer that ends without the required tool call ends with an error instead. */
export async function* requireToolCall(events: AsyncIterable<TurnEvent>): AsyncGenerator<TurnEvent> {
  let called = false;
  for await (const event of events) {
    if (event.type === "tool_call_start") called = true;
    if (event.type === "finish" && event.reason === "stop" && !called) {
      yield {
        type: "error",
        error: new GatewayError({
          status: 502,
          code: "tool_choice_not_followed",
          message: "The model answered without calling a tool, though tool_choice required one.",
        }),
      };
      return;
    }
    yield event;
  }
}
