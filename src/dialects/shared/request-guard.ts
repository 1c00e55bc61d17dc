// Checks that keep what the Copilot runtime cannot take from reaching it
// (see limits.ts). Pure, and safe on any parsed JSON: the walks are iterative,
// so a body nested 10,000 levels deep is a 400 here rather than a stack
// overflow in zod or JSON.stringify further on.
import { badRequest } from "../../core/gateway-error.js";
import type { ToolDefinition, TurnRequest } from "../../core/turn.js";
import { formatParam } from "./issue-to-error.js";
import { MAX_MODEL_CHARS, TOOL_NAME_PATTERN, type RequestLimits } from "../../core/request-limits.js";

type Key = string | number;

interface Frame {
  value: unknown;
  key: Key | undefined;
  parent: Frame | undefined;
  depth: number;
}

/** In a `u` regex a surrogate pair is one code point, so only lone surrogates match. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * The whole body, before any schema reads it: every string and every key must
 * be well-formed Unicode (a lone surrogate anywhere would make the runtime
 * hang, or be echoed back as invalid text), and no value may nest deeper than
 * `maxJsonDepth`. Throws a 400 whose `param` is the path of the first offender.
 */
export function checkJsonBody(body: unknown, limits: Pick<RequestLimits, "maxJsonDepth">): void {
  const stack: Frame[] = [{ value: body, key: undefined, parent: undefined, depth: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value } = frame;
    if (typeof value === "string") {
      checkText(value, frame);
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    const depth = frame.depth + 1;
    if (depth > limits.maxJsonDepth) {
      const param = paramOf(frame) ?? "body";
      throw badRequest(
        `Invalid '${param}': the request nests JSON more than ${limits.maxJsonDepth} levels deep, which this gateway does not accept.`,
        param,
        "nesting_too_deep",
      );
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: i, parent: frame, depth });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const child: Frame = { value: (value as Record<string, unknown>)[key], key, parent: frame, depth };
      checkText(key, child);
      stack.push(child);
    }
  }
}

function checkText(text: string, at: Frame): void {
  if (isWellFormed(text)) return;
  const offset = LONE_SURROGATE.exec(text)?.index ?? 0;
  const unit = text.charCodeAt(offset).toString(16);
  const param = paramOf(at) ?? "body";
  throw badRequest(
    `Invalid '${param}': the text holds a lone UTF-16 surrogate (\\u${unit} at position ${offset}), which is not valid Unicode. ` +
      `Send well-formed text; a character beyond U+FFFF is written in JSON as a surrogate pair, such as "\\ud83d\\ude00".`,
    param,
    "invalid_unicode",
  );
}

const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

function isWellFormed(text: string): boolean {
  return nativeWellFormed ? nativeWellFormed.call(text) : !LONE_SURROGATE.test(text);
}

/** The frame's path in OpenAI's notation, kept short and well-formed: it is echoed in the 400. */
function paramOf(frame: Frame): string | null {
  const path: Key[] = [];
  for (let at: Frame | undefined = frame; at?.key !== undefined; at = at.parent) path.push(at.key);
  const param = formatParam(path.reverse().map((key) => (typeof key === "string" ? clip(wellFormed(key), 64) : key)));
  return param === null ? null : clip(param, 200);
}

/** Lone surrogates as U+FFFD: text the gateway writes must be valid Unicode. */
export function wellFormed(text: string): string {
  return isWellFormed(text) ? text : text.replace(/[\uD800-\uDFFF]/gu, "\uFFFD");
}

/** At most `max` characters of `text`, with an ellipsis when it was longer. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Nesting depth of a JSON value (a scalar is 0, `{}` is 1), counted up to `cap + 1` at most. */
export function jsonDepth(value: unknown, cap: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > cap) return deepest;
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, here]);
  }
  return deepest;
}

/** A model name no model has (a 10 MB one) is refused without being echoed back. */
export function checkModelName(model: string, param = "model"): void {
  if (model.length <= MAX_MODEL_CHARS) return;
  throw badRequest(`Invalid '${param}': a model name of ${model.length} characters; model names have at most ${MAX_MODEL_CHARS}.`, param, "invalid_value");
}

/** A JSON Schema the runtime can take: at most `maxSchemaDepth` deep and `maxSchemaChars` of JSON. */
export function checkSchema(schema: unknown, param: string, limits: RequestLimits): void {
  const depth = jsonDepth(schema, limits.maxSchemaDepth);
  if (depth > limits.maxSchemaDepth) {
    throw badRequest(
      `Invalid '${param}': the schema nests more than ${limits.maxSchemaDepth} levels deep; this gateway accepts at most ${limits.maxSchemaDepth}.`,
      param,
      "schema_too_deep",
    );
  }
  const chars = JSON.stringify(schema)?.length ?? 0;
  if (chars > limits.maxSchemaChars) {
    throw badRequest(
      `Invalid '${param}': the schema is ${chars} characters of JSON; this gateway accepts at most ${limits.maxSchemaChars}.`,
      param,
      "schema_too_large",
    );
  }
}

/** Where a tool's fields sit in the request, in the dialect's notation. */
export interface ToolParams {
  name: string;
  description: string;
  parameters: string;
}

/**
 * A tool the runtime and every provider accept: a name of 1–64 characters of
 * `[A-Za-z0-9_-]`, a description of at most `maxToolDescriptionChars`, and a
 * schema within `checkSchema`'s limits.
 */
export function checkTool(tool: { name: string; description?: string | null; parameters?: unknown }, params: ToolParams, limits: RequestLimits): void {
  checkToolName(tool.name, params.name);
  const description = tool.description ?? "";
  if (description.length > limits.maxToolDescriptionChars) {
    throw badRequest(
      `Invalid '${params.description}': a description of ${description.length} characters; this gateway accepts at most ${limits.maxToolDescriptionChars}.`,
      params.description,
      "string_above_max_length",
    );
  }
  if (tool.parameters !== null && tool.parameters !== undefined) checkSchema(tool.parameters, params.parameters, limits);
}

/** OpenAI's and Anthropic's rule for tool (and namespace) names, which the runtime enforces too. */
export function checkToolName(name: string, param: string): void {
  if (TOOL_NAME_PATTERN.test(name)) return;
  throw badRequest(
    `Invalid '${param}': ${JSON.stringify(clip(name, 40))} is not a valid tool name; use 1 to 64 letters, digits, underscores or hyphens (^[a-zA-Z0-9_-]{1,64}$).`,
    param,
    "invalid_value",
  );
}

export function checkToolCount(count: number, param: string, limits: RequestLimits): void {
  if (count <= limits.maxTools) return;
  throw badRequest(`Invalid '${param}': ${count} tools; this gateway offers at most ${limits.maxTools} tools to the model in one request.`, param, "array_above_max_length");
}

/**
 * The prompt the runtime would be handed: every message's text, tool calls
 * and results, and the tool definitions, at most `maxPromptChars` characters
 * in all (images are attachments, bounded by the body limit).
 */
export function checkPromptSize(turn: Pick<TurnRequest, "messages" | "tools">, param: string, limits: RequestLimits): void {
  const chars = promptChars(turn);
  if (chars <= limits.maxPromptChars) return;
  throw badRequest(
    `Invalid '${param}': the prompt is ${chars} characters (messages, tool calls and results, tool definitions); this gateway accepts at most ${limits.maxPromptChars} in one request.`,
    param,
    "context_length_exceeded",
  );
}

function promptChars(turn: Pick<TurnRequest, "messages" | "tools">): number {
  let chars = 0;
  for (const message of turn.messages) {
    if (message.role === "user") {
      for (const part of message.content) if (part.type === "text") chars += part.text.length;
    } else if (message.role !== "approval") {
      chars += message.text.length;
      if (message.role === "assistant") for (const call of message.toolCalls) chars += call.name.length + call.arguments.length;
    }
  }
  for (const tool of turn.tools) chars += toolChars(tool);
  return chars;
}

function toolChars(tool: ToolDefinition): number {
  return tool.name.length + (tool.description?.length ?? 0) + (tool.parameters ? (JSON.stringify(tool.parameters)?.length ?? 0) : 0);
}
