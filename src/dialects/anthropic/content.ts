// Content blocks → the turn vocabulary, one block at a time. Every rejection
// names the exact block (`messages[i].content[j]`) and says what to send
// instead, so a user reading Claude Code's error line knows what to fix.
import type { z } from "zod";
import { badRequest, type GatewayError } from "../../core/gateway-error.js";
import type { ContentPart, ToolCall } from "../../core/turn.js";
import { formatParam, issueToBadRequest } from "../shared/issue-to-error.js";
import {
  base64SourceSchema,
  imageBlockSchema,
  textBlockSchema,
  textDocumentBlockSchema,
  toolResultBlockSchema,
  toolUseBlockSchema,
  type BlockBody,
  type ContentBody,
} from "./schema.js";

export type Path = readonly (string | number)[];

/** Claude Code sends earlier thinking back with its signature (B.13 #81): accepted and dropped, never a 400. */
// MCP connector blocks sent back are the session's: it ran the calls, and a seeded one reads the answer that followed.
export const DROPPED_BLOCKS: ReadonlySet<string> = new Set(["thinking", "redacted_thinking", "mcp_tool_use", "mcp_tool_result"]);

/** What stands in for an image in a tool result: a tool message carries text only. */
export const TOOL_RESULT_IMAGE_PLACEHOLDER = "[image omitted: this gateway passes tool results to the model as text]";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A `text`, `image` (base64) or plain-text `document` block of a user message → one part. */
export function toUserPart(block: BlockBody, path: Path): ContentPart {
  switch (block.type) {
    case "text":
      return { type: "text", text: validate(textBlockSchema, block, path).text };
    case "image":
      return toImagePart(block, path);
    case "document":
      return { type: "text", text: validate(textDocumentBlockSchema, block, path).source.data };
    default:
      throw unsupportedBlock(block.type, path, "user");
  }
}

/** A `tool_use` block of an assistant message → the call, with `arguments = JSON.stringify(input)`. */
export function toToolCall(block: BlockBody, path: Path): ToolCall {
  const { id, name, input } = validate(toolUseBlockSchema, block, path);
  const args = input === null || input === undefined ? "{}" : typeof input === "string" ? input : JSON.stringify(input);
  return { id, name, arguments: args };
}

export interface ToolResult {
  toolCallId: string;
  text: string;
  isError?: true;
}

/**
 * A `tool_result` block → the text the model is given. Text blocks are joined
 * by newlines; images become a placeholder (Claude Code's Read tool returns
 * screenshots this way, and refusing them would stop the agent).
 */
export function toToolResult(block: BlockBody, path: Path): ToolResult {
  const { tool_use_id, content, is_error } = validate(toolResultBlockSchema, block, path);
  const text = toolResultText(content, [...path, "content"]);
  return is_error ? { toolCallId: tool_use_id, text, isError: true } : { toolCallId: tool_use_id, text };
}

/** The text of `system` or of an assistant message's text blocks. */
export function textOf(block: BlockBody, path: Path): string {
  return validate(textBlockSchema, block, path).text;
}

function toolResultText(content: ContentBody | null | undefined, path: Path): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .map((block, j) => {
      const at = [...path, j];
      if (block.type === "image") return TOOL_RESULT_IMAGE_PLACEHOLDER;
      if (block.type === "text" || block.type === "document") {
        const part = toUserPart(block, at);
        return part.type === "text" ? part.text : "";
      }
      throw unsupportedBlock(block.type, at, "tool_result");
    })
    .join("\n");
}

/**
 * Only inline images: the gateway never fetches a URL on a client's behalf
 * (no SSRF, no surprise egress), so a `url` source is a 400 that says how to inline it.
 */
function toImagePart(block: BlockBody, path: Path): ContentPart {
  const { source } = validate(imageBlockSchema, block, path);
  const sourcePath = [...path, "source"];
  if (source.type !== "base64") {
    const param = formatParam(sourcePath);
    throw badRequest(
      `Invalid '${param}': image sources of type '${source.type}' are not fetched by this gateway. Send the image inline as {"type":"base64","media_type":"image/png","data":"…"}.`,
      param,
      "unsupported_value",
    );
  }
  const { media_type, data } = validate(base64SourceSchema, source, sourcePath);
  // Some encoders wrap base64 every 76 characters (MIME style).
  const compact = /\s/.test(data) ? data.replace(/\s+/g, "") : data;
  if (!BASE64.test(compact)) {
    const param = formatParam([...sourcePath, "data"]);
    throw badRequest(`Invalid '${param}': the image data is not valid base64.`, param, "invalid_value");
  }
  return { type: "image", mimeType: media_type.toLowerCase(), data: compact };
}

const SUPPORTED: Record<"user" | "assistant" | "tool_result" | "system", string> = {
  user: "'text', 'image' (base64), 'document' (text source), 'tool_result', 'thinking'",
  assistant: "'text', 'tool_use', 'thinking', 'redacted_thinking'",
  tool_result: "'text', 'image', 'document' (text source)",
  system: "'text'",
};

export function unsupportedBlock(type: string, path: Path, where: keyof typeof SUPPORTED): GatewayError {
  const param = formatParam(path);
  const place = where === "tool_result" ? "tool_result content" : where === "system" ? "'system'" : `${where} messages`;
  return badRequest(
    `Invalid '${param}': content blocks of type '${type}' are not supported in ${place} by this gateway; supported: ${SUPPORTED[where]}.`,
    param,
    "unsupported_value",
  );
}

export function validate<T extends z.ZodType>(schema: T, value: unknown, path: Path): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw issueToBadRequest(result.error.issues[0]!, value, path);
  return result.data;
}
