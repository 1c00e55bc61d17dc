// The steps every dialect's request parsing takes, in one order, so that a
// body is refused the same way whichever API it was sent to. A dialect
// supplies its schema, where its prompt sits, and how its valid request maps
// to a TurnRequest; the checks around them are the same for all.
import type { z } from "zod";
import { badRequest } from "../../core/gateway-error.js";
import { DEFAULT_LIMITS, type RequestLimits } from "../../core/request-limits.js";
import type { ReasoningEffort, ResponseFormat, TurnRequest } from "../../core/turn.js";
import { issueToBadRequest } from "./issue-to-error.js";
import { checkJsonBody, checkModelName, checkPromptSize } from "./request-guard.js";

export interface ParseOptions {
  /** What one request may ask of the runtime; DEFAULT_LIMITS when absent. */
  limits?: RequestLimits;
}

/** What one dialect's parsing is made of. */
export interface RequestDialect<Request extends { model: string }, Parsed extends { turn: TurnRequest }> {
  /** The dialect's schema: zod's `safeParse`, or its fast twin (fast-accept.ts). */
  validate: (body: unknown) => z.ZodSafeParseResult<Request>;
  /** Where the conversation sits in the body (`messages`, `input`): the param of the 400 for an oversized prompt. */
  promptParam: string;
  /** A request the schema accepted → its turn and what else the route needs; throws a 400 for what a schema cannot judge. */
  mapRequest: (request: Request, limits: RequestLimits) => Parsed;
}

/**
 * Validates and maps a request body (already JSON-parsed), in this order: a
 * JSON object, well-formed and not nested too deep (request-guard.ts); the
 * schema, whose first issue becomes a 400 naming the field; a model name of
 * sane length; the dialect's own mapping; and a prompt within
 * `limits.maxPromptChars`. Each refusal is a 400 `GatewayError`.
 */
export function parseRequest<Request extends { model: string }, Parsed extends { turn: TurnRequest }>(
  body: unknown,
  dialect: RequestDialect<Request, Parsed>,
  options: ParseOptions = {},
): Parsed {
  const limits = options.limits ?? DEFAULT_LIMITS;
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest("The request body must be a JSON object.", null);
  }
  checkJsonBody(body, limits);
  const result = dialect.validate(body);
  if (!result.success) throw issueToBadRequest(result.error.issues[0]!, body);
  checkModelName(result.data.model);
  const parsed = dialect.mapRequest(result.data, limits);
  checkPromptSize(parsed.turn, dialect.promptParam, limits);
  return parsed;
}

/** A turn as a dialect reads it: its optional settings may be absent from the request (null or undefined). */
export interface TurnParts extends Omit<TurnRequest, "maxOutputTokens" | "reasoningEffort" | "responseFormat"> {
  maxOutputTokens: number | null | undefined;
  reasoningEffort: ReasoningEffort | undefined;
  responseFormat: ResponseFormat | undefined;
}

/** The TurnRequest, with each optional setting present only when the request gave it: the runtime's default applies otherwise. */
export function toTurnRequest({ maxOutputTokens, reasoningEffort, responseFormat, ...turn }: TurnParts): TurnRequest {
  const request: TurnRequest = turn;
  if (maxOutputTokens !== null && maxOutputTokens !== undefined) request.maxOutputTokens = maxOutputTokens;
  if (reasoningEffort !== undefined) request.reasoningEffort = reasoningEffort;
  if (responseFormat !== undefined) request.responseFormat = responseFormat;
  return request;
}
