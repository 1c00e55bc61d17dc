// A Chat Completions request body → the dialect-neutral TurnRequest.
import { badRequest } from "../../core/gateway-error.js";
import type { RequestLimits } from "../../core/request-limits.js";
import type { ResponseFormat, TurnRequest } from "../../core/turn.js";
import { fastSafeParse } from "../shared/fast-accept.js";
import { parseRequest, toTurnRequest, type ParseOptions } from "../shared/parse-request.js";
import { checkSchema } from "../shared/request-guard.js";
import { toReasoningEffort } from "../shared/reasoning-effort.js";
import { toConversation } from "./messages.js";
import { chatRequestSchema, type ChatRequestBody } from "./schema.js";
import { toToolChoice, toToolDefinitions } from "./tools.js";

const validateChatRequest = fastSafeParse(chatRequestSchema);

export interface ParsedChatRequest {
  turn: TurnRequest;
  stream: boolean;
  /** `stream_options.include_usage`, and only when streaming: a JSON body always carries usage. */
  includeUsage: boolean;
}

/**
 * Validates and maps a request body (already JSON-parsed; parse-request.ts
 * has the steps). Unknown fields are ignored anywhere; a malformed or
 * out-of-range value of a field the gateway uses, or anything beyond
 * `limits` (limits.ts), throws a 400 `GatewayError` whose `param` names it in
 * OpenAI's notation.
 */
export function parseChatRequest(body: unknown, options: ParseOptions = {}): ParsedChatRequest {
  return parseRequest(body, { validate: validateChatRequest, promptParam: "messages", mapRequest: mapChatRequest }, options);
}

function mapChatRequest(request: ChatRequestBody, limits: RequestLimits): ParsedChatRequest {
  rejectMultipleChoices(request.n);
  const tools = toToolDefinitions(request, limits);
  const turn = toTurnRequest({
    model: request.model,
    messages: toConversation(request.messages),
    tools,
    toolChoice: toToolChoice(request, tools),
    parallelToolCalls: request.parallel_tool_calls ?? true,
    stop: toStopSequences(request.stop),
    // Continue/Vercel send `max_completion_tokens` for reasoning-era ids, classic Cline always `max_tokens` (B.7 #37).
    maxOutputTokens: request.max_completion_tokens ?? request.max_tokens,
    reasoningEffort: toReasoningEffort(request.reasoning_effort, "reasoning_effort"),
    responseFormat: toResponseFormat(request.response_format, limits),
  });
  const stream = request.stream ?? false;
  return { turn, stream, includeUsage: stream && request.stream_options?.include_usage === true };
}

/** B.16: one choice per request; silently returning one of N would be a lie (B.2 #15). */
function rejectMultipleChoices(n: number | null | undefined): void {
  if (n !== null && n !== undefined && n > 1) {
    throw badRequest(
      `Invalid 'n': this gateway returns one choice per request; omit 'n' or set it to 1, and send ${n} requests for ${n} completions.`,
      "n",
      "unsupported_value",
    );
  }
}

/** Any number of stop words (Continue sends unlimited ones: B.7 #38); empty strings would match everywhere. */
function toStopSequences(stop: ChatRequestBody["stop"]): string[] {
  if (stop === null || stop === undefined) return [];
  return (typeof stop === "string" ? [stop] : stop).filter((word) => word !== "");
}

function toResponseFormat(format: ChatRequestBody["response_format"], limits: RequestLimits): ResponseFormat | undefined {
  if (format === null || format === undefined || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const { name, description, schema, strict } = format.json_schema;
  checkSchema(schema, "response_format.json_schema.schema", limits);
  const mapped: ResponseFormat = { type: "json_schema", name: name ? name : "response", schema };
  if (strict !== null && strict !== undefined) mapped.strict = strict;
  if (description !== null && description !== undefined) mapped.description = description;
  return mapped;
}
