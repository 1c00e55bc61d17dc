// The ways a turn can start on a session: a new prompt (with a response
// format, which only sendMessages carries), or the client's results for the
// tool calls the session is waiting on.
import type { CopilotSession } from "@github/copilot-sdk";
import type { ResponseFormat } from "./events.js";
import type { BlobAttachment } from "./prompt.js";
import type { PendingToolCall } from "./run-turn.js";

export function sendPrompt(session: CopilotSession, prompt: string, attachments: BlobAttachment[], responseFormat?: ResponseFormat): () => Promise<unknown> {
  if (!responseFormat) return () => session.send({ prompt, attachments });
  // json_object is the schema-free case of the runtime's json_schema format.
  const jsonSchema =
    responseFormat.type === "json_schema"
      ? {
          name: responseFormat.name,
          schema: responseFormat.schema as never,
          ...(responseFormat.strict !== undefined ? { strict: responseFormat.strict } : {}),
          ...(responseFormat.description ? { description: responseFormat.description } : {}),
        }
      : { name: "json_object", schema: { type: "object" } as never };
  return () => session.rpc.sendMessages({ messages: [{ prompt, attachments }], responseFormat: { type: "json_schema", jsonSchema } });
}

export function answerToolCalls(session: CopilotSession, pending: readonly PendingToolCall[], results: ReadonlyMap<string, string>): () => Promise<unknown> {
  return async () => {
    for (const call of pending) {
      const outcome = await session.rpc.tools.handlePendingToolCall({ requestId: call.requestId, result: results.get(call.toolCallId) ?? "" });
      if (!outcome.success) throw new Error(`the session no longer waits for tool call ${call.toolCallId}`);
    }
  };
}
