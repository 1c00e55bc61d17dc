// A Responses API request body → the dialect-neutral TurnRequest, plus what
// the route needs to chain, store and echo the response.
import { badRequest } from "../../core/gateway-error.js";
import type { RequestLimits } from "../../core/request-limits.js";
import type { ConversationMessage, ResponseFormat, TurnRequest } from "../../core/turn.js";
import { structuredOutputCheck } from "../../turns/structured-output.js";
import { parseRequest, toTurnRequest, type ParseOptions } from "../shared/parse-request.js";
import { checkSchema } from "../shared/request-guard.js";
import { toReasoningEffort } from "../shared/reasoning-effort.js";
import { toConversation, type ItemResolver } from "./input.js";
import type { ResponseEcho } from "./response-object.js";
import { responsesRequestSchema, type ResponsesRequestBody } from "./schema.js";
import type { ToolRoutes } from "./tool-routes.js";
import { toToolChoice, toTools, type ParsedTools } from "./tools.js";

export interface ParsedResponsesRequest {
  /** Messages: `instructions` (as a system message) and then the input. */
  turn: TurnRequest;
  stream: boolean;
  previousResponseId?: string;
  /** `store: false` (Codex sends it): the response is not kept, so nothing can chain to it. */
  store: boolean;
  /** The messages of `input` alone: what the store keeps, since `instructions` are not carried over to a chained response (OpenAI's rule). */
  input: ConversationMessage[];
  echo: ResponseEcho;
  /** `reasoning.summary` was asked for: emit reasoning items, as OpenAI does only then. */
  reasoningSummary: boolean;
  /** The declared tool behind each name offered to the model. */
  toolRoutes: ToolRoutes;
}

export interface ResponsesParseOptions extends ParseOptions {
  /** Resolves `item_reference` items; without it every reference is unknown. */
  resolveItem?: ItemResolver;
}

/**
 * Validates and maps a request body (already JSON-parsed; parse-request.ts
 * has the steps). Unknown fields are ignored anywhere; a malformed value of a
 * field the gateway uses, or a feature it cannot provide (hosted tools,
 * background mode, server-side conversations and prompts), or anything beyond
 * `options.limits` (limits.ts), throws a 400 `GatewayError` whose `param`
 * names it in OpenAI's notation.
 */
export function parseResponsesRequest(body: unknown, options: ResponsesParseOptions = {}): ParsedResponsesRequest {
  return parseRequest(
    body,
    {
      // zod alone: the schema refines `metadata`, which a fast validator would not see (fast-accept.ts).
      validate: (request) => responsesRequestSchema.safeParse(request),
      promptParam: "input",
      mapRequest: (request, limits) => mapResponsesRequest(request, limits, options.resolveItem),
    },
    options,
  );
}

function mapResponsesRequest(request: ResponsesRequestBody, limits: RequestLimits, resolveItem: ItemResolver | undefined): ParsedResponsesRequest {
  rejectServerSideState(request);
  const tools = toTools(request.tools, limits);
  const toolChoice = toToolChoice(request.tool_choice, tools.definitions);
  // Before `turn` takes the definitions: a tool search's results in the input add to them.
  const input = toConversation(request.input, resolveItem, tools);
  const turn = toTurnRequest({
    model: request.model,
    messages: withInstructions(request.instructions ?? undefined, input),
    tools: tools.definitions,
    toolChoice,
    parallelToolCalls: request.parallel_tool_calls ?? true,
    // The Responses API has no stop sequences.
    stop: [],
    maxOutputTokens: request.max_output_tokens,
    reasoningEffort: toReasoningEffort(request.reasoning?.effort, "reasoning.effort"),
    responseFormat: toResponseFormat(request.text?.format, limits),
  });
  if (tools.servers.length > 0) {
    // A chained request's first response listed the servers' tools already, as OpenAI's does.
    if (request.previous_response_id) for (const server of tools.servers) server.listed = true;
    turn.servers = tools.servers;
  }

  const summary = request.reasoning?.summary ?? stringOrNull(request.reasoning?.generate_summary);
  const store = request.store ?? true;
  const parsed: ParsedResponsesRequest = {
    turn,
    stream: request.stream ?? false,
    store,
    input,
    echo: toEcho(request, { turn, tools, summary, store }),
    reasoningSummary: summary !== null && summary !== undefined && summary !== "none",
    toolRoutes: tools.routes,
  };
  if (request.previous_response_id) parsed.previousResponseId = request.previous_response_id;
  return parsed;
}

/** What the response object echoes of the request, with the defaults the request left to the gateway. */
function toEcho(
  request: ResponsesRequestBody,
  mapped: { turn: TurnRequest; tools: ParsedTools; summary: string | null | undefined; store: boolean },
): ResponseEcho {
  const { turn, tools, summary, store } = mapped;
  const { toolChoice } = turn;
  return {
    model: request.model,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    parallel_tool_calls: turn.parallelToolCalls,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: summary ?? null },
    store,
    temperature: request.temperature ?? null,
    text: { format: request.text?.format ?? { type: "text" } },
    tool_choice: typeof toolChoice === "string" ? toolChoice : { type: tools.routes.isCustom(toolChoice.name) ? "custom" : "function", name: toolChoice.name },
    tools: tools.echoed,
    top_p: request.top_p ?? null,
    truncation: typeof request.truncation === "string" ? request.truncation : "disabled",
    metadata: request.metadata ?? {},
    ...(typeof request.user === "string" ? { user: request.user } : {}),
  };
}

/**
 * The turn of a request chained with `previous_response_id`: the earlier
 * conversation goes between this request's instructions and its new input, so
 * the ledger sees the whole conversation and continues its live session.
 */
export function chainTurn(parsed: ParsedResponsesRequest, previous: readonly ConversationMessage[]): TurnRequest {
  const instructions = parsed.echo.instructions ?? undefined;
  return { ...parsed.turn, messages: withInstructions(instructions, [...previous, ...parsed.input]) };
}

function withInstructions(instructions: string | undefined, messages: ConversationMessage[]): ConversationMessage[] {
  return instructions ? [{ role: "system", text: instructions }, ...messages] : messages;
}

/** Features that need OpenAI's own server-side state or workers: refused by name rather than half-done. */
function rejectServerSideState(request: ResponsesRequestBody): void {
  if (request.background === true) {
    throw badRequest(
      "Invalid 'background': background responses are not supported by this gateway; omit 'background' (or set it to false) and use 'stream' for long answers.",
      "background",
      "unsupported_value",
    );
  }
  for (const param of ["conversation", "prompt"] as const) {
    if (request[param] === null || request[param] === undefined) continue;
    throw badRequest(
      `Invalid '${param}': stored ${param === "conversation" ? "conversations" : "prompt templates"} are not supported by this gateway; send the messages in 'input' (and chain with 'previous_response_id').`,
      param,
      "unsupported_value",
    );
  }
}


/** `text.format` is flat in the Responses API (`{type:"json_schema", name, schema, strict}`). */
function toResponseFormat(format: NonNullable<ResponsesRequestBody["text"]>["format"], limits: RequestLimits): ResponseFormat | undefined {
  if (format === null || format === undefined || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const mapped: ResponseFormat = { type: "json_schema", name: format.name ? format.name : "response", schema: format.schema };
  if (format.strict !== null && format.strict !== undefined) mapped.strict = format.strict;
  if (format.description !== null && format.description !== undefined) mapped.description = format.description;
  // Before it is compiled: ajv recurses into it.
  checkSchema(format.schema, "text.format.schema", limits);
  // Compiled here so an invalid schema is a 400 naming this dialect's field for it.
  structuredOutputCheck(mapped, "text.format.schema");
  return mapped;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
