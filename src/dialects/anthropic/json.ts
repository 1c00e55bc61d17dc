// TurnEvents → one buffered Anthropic `message` (B.13 #78). It folds the very
// steps the SSE encoder writes (blocks.ts), so both paths produce the same
// blocks, stop reason and usage for the same turn.
import { GatewayError } from "../../core/gateway-error.js";
import type { TurnEvent, Usage } from "../../core/turn.js";
import { BlockSequencer, type StopReason } from "./blocks.js";
import type { MessageMeta } from "./stream.js";
import { toAnthropicUsage, type AnthropicUsage } from "./usage.js";

export type MessageContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown>; caller: { type: "direct" } }
  | { type: "mcp_tool_use"; id: string; name: string; server_name: string; input: Record<string, unknown> }
  | { type: "mcp_tool_result"; tool_use_id: string; is_error: boolean; content: Array<{ type: "text"; text: string }> };

export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: MessageContentBlock[];
  stop_reason: StopReason;
  stop_sequence: null;
  usage: AnthropicUsage;
}

export interface CollectedMessage {
  body: AnthropicMessage;
  /** False when the runtime reported no usage and `body.usage` is the gateway's estimate: the route says so in a header. */
  usageReported: boolean;
}

/**
 * Drains `events` to the end (so the turn is never cut short by us) and builds
 * the message. Throws the turn's `GatewayError` if it reported one, and a 502
 * `upstream_incomplete` if the events ended without a `finish`: a partial
 * answer is never returned as if it were whole. A tool call whose arguments
 * are not a JSON object is a 502 too: `input` must be one.
 */
export async function collectMessage(events: AsyncIterable<TurnEvent>, meta: MessageMeta): Promise<CollectedMessage> {
  const sequencer = new BlockSequencer({ thinking: meta.thinking });
  const content: MessageContentBlock[] = [];
  const toolJson = new Map<number, string>();
  let end: { stopReason: StopReason; usage: Usage | undefined } | undefined;

  const apply = (steps: ReturnType<BlockSequencer["push"]>) => {
    for (const step of steps) {
      switch (step.kind) {
        case "error":
          throw step.error;
        case "message_end":
          end = { stopReason: step.stopReason, usage: step.usage };
          break;
        case "block_start":
          content[step.index] = { ...step.block };
          break;
        case "block_stop":
          break;
        case "block_delta": {
          const block = content[step.index];
          const { delta } = step;
          if (delta.type === "text_delta" && block?.type === "text") block.text += delta.text;
          else if (delta.type === "thinking_delta" && block?.type === "thinking") block.thinking += delta.thinking;
          else if (delta.type === "input_json_delta") toolJson.set(step.index, (toolJson.get(step.index) ?? "") + delta.partial_json);
        }
      }
    }
  };

  for await (const event of events) apply(sequencer.push(event));
  apply(sequencer.end());
  // `end` is set: the sequencer ends every sequence with message_end or an error, and errors were thrown.
  const { stopReason, usage } = end!;

  for (const [index, json] of toolJson) {
    const block = content[index];
    if (block?.type === "tool_use" || block?.type === "mcp_tool_use") block.input = toolInput(json, block.name);
  }

  const body: AnthropicMessage = {
    id: meta.id,
    type: "message",
    role: "assistant",
    model: meta.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: toAnthropicUsage(usage ?? { promptTokens: meta.inputTokens, completionTokens: 0 }),
  };
  return { body, usageReported: usage !== undefined && !usage.estimated };
}

function toolInput(json: string, name: string): Record<string, unknown> {
  let input: unknown;
  try {
    input = JSON.parse(json);
  } catch {
    input = undefined;
  }
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new GatewayError({
      status: 502,
      code: "invalid_tool_arguments",
      message: `The model called the tool '${name}' with arguments that are not a JSON object; the answer cannot be returned as a tool_use block.`,
    });
  }
  return input as Record<string, unknown>;
}
