// An Anthropic Messages request body → the dialect-neutral TurnRequest.
import { badRequest } from "../../core/gateway-error.js";
import type { TurnRequest } from "../../core/turn.js";
import { fastSafeParse } from "../shared/fast-accept.js";
import { issueToBadRequest } from "../shared/issue-to-error.js";
import { DEFAULT_LIMITS, type RequestLimits } from "../../core/request-limits.js";
import { checkJsonBody, checkModelName, checkPromptSize, checkSchema } from "../shared/request-guard.js";
import { toConversation } from "./messages.js";
import { toReasoningSettings } from "./reasoning.js";
import { messagesRequestSchema } from "./schema.js";
import { toToolChoice, toToolDefinitions } from "./tools.js";

const validateMessagesRequest = fastSafeParse(messagesRequestSchema);

export interface ParsedMessagesRequest {
  turn: TurnRequest;
  stream: boolean;
  /** Whether the answer may carry `thinking` blocks (the request turned thinking on). */
  thinking: boolean;
}

export interface MessagesParseOptions {
  /** What one request may ask of the runtime; DEFAULT_LIMITS when absent. */
  limits?: RequestLimits;
}

/**
 * Validates and maps a request body (already JSON-parsed). Unknown fields are
 * ignored anywhere (B.13 #71); a malformed value of a field the gateway uses
 * throws a 400 `GatewayError` whose message and `param` name it
 * (`messages[1].content[0].source`), as does anything beyond `limits` (limits.ts). `temperature`, `top_p`, `top_k` and
 * `metadata` are accepted and not used: the runtime has no such settings.
 */
export function parseMessagesRequest(body: unknown, options: MessagesParseOptions = {}): ParsedMessagesRequest {
  const limits = options.limits ?? DEFAULT_LIMITS;
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest("The request body must be a JSON object.", null);
  }
  checkJsonBody(body, limits);
  const result = validateMessagesRequest(body);
  if (!result.success) throw issueToBadRequest(result.error.issues[0]!, body);
  const request = result.data;
  checkModelName(request.model);

  const tools = toToolDefinitions(request.tools, limits);
  const { toolChoice, parallelToolCalls } = toToolChoice(request.tool_choice, tools);
  const { reasoningEffort, thinkingBlocks } = toReasoningSettings(request);
  const turn: TurnRequest = {
    model: request.model,
    messages: toConversation(request),
    tools,
    toolChoice,
    parallelToolCalls,
    // Empty strings would match everywhere.
    stop: (request.stop_sequences ?? []).filter((sequence) => sequence !== ""),
  };
  if (request.max_tokens !== null && request.max_tokens !== undefined) turn.maxOutputTokens = request.max_tokens;
  if (reasoningEffort !== undefined) turn.reasoningEffort = reasoningEffort;
  const format = request.output_config?.format;
  if (format) {
    checkSchema(format.schema, "output_config.format.schema", limits);
    turn.responseFormat = { type: "json_schema", name: "response", schema: format.schema };
  }
  checkPromptSize(turn, "messages", limits);

  return { turn, stream: request.stream ?? false, thinking: thinkingBlocks };
}
