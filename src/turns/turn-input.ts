// How a turn's input reaches its session: the user messages it sends (one or
// several, with a response format, which only sendMessages carries; none at all
// to let a seeded history that ends in tool results or an assistant message go
// on), or the client's results for the tool calls the session is waiting on.
// Each is a thunk, so runTurn can send it once it listens to the session.
import type { CopilotSession } from "@github/copilot-sdk";
import type { ResponseFormat } from "../core/turn.js";
import { toolResultForModel, type BlobAttachment } from "./prompt.js";
import type { PendingToolCall } from "./turn-outcome.js";

export interface OutgoingMessage {
  prompt: string;
  attachments: BlobAttachment[];
}

/** A client's result for one tool call; `isError` reaches the model as a failed call. */
export interface ToolResultText {
  text: string;
  isError?: boolean;
}

export function sendMessages(session: CopilotSession, messages: readonly OutgoingMessage[], responseFormat?: ResponseFormat): () => Promise<unknown> {
  const [only] = messages;
  if (!responseFormat && only && messages.length === 1) return () => session.send({ prompt: only.prompt, attachments: only.attachments });
  const format = responseFormat ? { responseFormat: { type: "json_schema" as const, jsonSchema: jsonSchemaOf(responseFormat) } } : {};
  return () => session.rpc.sendMessages({ messages: messages.map(({ prompt, attachments }) => ({ prompt, attachments })), ...format });
}

/** json_object is the schema-free case of the runtime's json_schema format. */
function jsonSchemaOf(responseFormat: ResponseFormat) {
  if (responseFormat.type === "json_object") return { name: "json_object", schema: { type: "object" } as never };
  return {
    name: responseFormat.name,
    schema: responseFormat.schema as never,
    ...(responseFormat.strict !== undefined ? { strict: responseFormat.strict } : {}),
    ...(responseFormat.description ? { description: responseFormat.description } : {}),
  };
}

export function answerToolCalls(session: CopilotSession, pending: readonly PendingToolCall[], results: ReadonlyMap<string, ToolResultText>): () => Promise<unknown> {
  return async () => {
    for (const call of pending) {
      const result = results.get(call.toolCallId) ?? { text: "" };
      const outcome = await session.rpc.tools.handlePendingToolCall({
        requestId: call.requestId,
        result: result.isError ? { textResultForLlm: toolResultForModel(result.text, true), resultType: "failure" } : result.text,
      });
      if (!outcome.success) throw new Error(`the session no longer waits for tool call ${call.toolCallId}`);
    }
  };
}
