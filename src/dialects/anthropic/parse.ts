// An Anthropic Messages request body → the dialect-neutral TurnRequest.
import type { RequestLimits } from "../../core/request-limits.js";
import type { ResponseFormat, TurnRequest } from "../../core/turn.js";
import { fastSafeParse } from "../shared/fast-accept.js";
import { parseRequest, toTurnRequest, type ParseOptions } from "../shared/parse-request.js";
import { checkSchema } from "../shared/request-guard.js";
import { toConversation } from "./messages.js";
import { toRequestedServers } from "./mcp-servers.js";
import { toReasoningSettings } from "./reasoning.js";
import { messagesRequestSchema, type MessagesRequestBody } from "./schema.js";
import { toToolChoice, toToolDefinitions } from "./tools.js";

const validateMessagesRequest = fastSafeParse(messagesRequestSchema);

export interface ParsedMessagesRequest {
  turn: TurnRequest;
  stream: boolean;
  /** Whether the answer may carry `thinking` blocks (the request turned thinking on). */
  thinking: boolean;
}

/**
 * Validates and maps a request body (already JSON-parsed; parse-request.ts
 * has the steps). Unknown fields are ignored anywhere (B.13 #71); a malformed
 * value of a field the gateway uses throws a 400 `GatewayError` whose message
 * and `param` name it (`messages[1].content[0].source`), as does anything
 * beyond `limits` (limits.ts). `temperature`, `top_p`, `top_k` and `metadata`
 * are accepted and not used: the runtime has no such settings.
 */
export function parseMessagesRequest(body: unknown, options: ParseOptions = {}): ParsedMessagesRequest {
  return parseRequest(body, { validate: validateMessagesRequest, promptParam: "messages", mapRequest: mapMessagesRequest }, options);
}

function mapMessagesRequest(request: MessagesRequestBody, limits: RequestLimits): ParsedMessagesRequest {
  const { definitions: tools, toolsets } = toToolDefinitions(request.tools, limits);
  const servers = toRequestedServers(request.mcp_servers, toolsets);
  const { toolChoice, parallelToolCalls } = toToolChoice(request.tool_choice, tools);
  const { reasoningEffort, thinkingBlocks } = toReasoningSettings(request);
  const turn = toTurnRequest({
    model: request.model,
    messages: toConversation(request),
    tools,
    toolChoice,
    parallelToolCalls,
    // Empty strings would match everywhere.
    stop: (request.stop_sequences ?? []).filter((sequence) => sequence !== ""),
    maxOutputTokens: request.max_tokens,
    reasoningEffort,
    responseFormat: toResponseFormat(request.output_config?.format, limits),
  });
  if (servers.length > 0) turn.servers = servers;
  return { turn, stream: request.stream ?? false, thinking: thinkingBlocks };
}

/** `output_config.format` (structured outputs) is a JSON Schema only, and has no name of its own. */
function toResponseFormat(format: NonNullable<MessagesRequestBody["output_config"]>["format"], limits: RequestLimits): ResponseFormat | undefined {
  if (!format) return undefined;
  checkSchema(format.schema, "output_config.format.schema", limits);
  return { type: "json_schema", name: "response", schema: format.schema };
}
