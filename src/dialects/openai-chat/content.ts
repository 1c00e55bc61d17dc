// Message `content` (a string, an array of parts, or null) → the turn vocabulary.
// Every rejection names the exact part (`messages[i].content[j]`) and says what
// to send instead: contract B.8 #51/#52 ask for a clear 400, never a silent drop
// and never a 500.
import type { z } from "zod";
import { badRequest, type GatewayError } from "../../core/gateway-error.js";
import type { ContentPart } from "../../core/turn.js";
import { imageFromDataUrl } from "../shared/image-data-url.js";
import { formatParam, issueToBadRequest } from "../shared/issue-to-error.js";
import { imageUrlPartSchema, refusalPartSchema, textPartSchema, type MessageContentBody } from "./schema.js";

type Path = readonly (string | number)[];
type Part = { type: string; [key: string]: unknown };

/**
 * User content → parts. Text and inline (base64 data URL) images are kept;
 * every user message yields at least one part, so `null`, `""` and `[]` all
 * become one empty text part.
 */
export function toUserContent(content: MessageContentBody, path: Path): ContentPart[] {
  if (content === null || content === undefined) return [{ type: "text", text: "" }];
  if (typeof content === "string") return [{ type: "text", text: content }];
  const parts = content.map((part, j) => toUserPart(part, [...path, j]));
  return parts.length > 0 ? parts : [{ type: "text", text: "" }];
}

/**
 * Content of system, developer, assistant and tool messages → one string. Text
 * parts are concatenated as sent: OpenHands sends these as arrays of text parts
 * (with `cache_control`), and a server joining `str + list` broke it (OpenHands #4004).
 */
export function toPlainText(content: MessageContentBody, path: Path, role: string): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part, j) => plainTextOf(part, [...path, j], role)).join("");
}

function toUserPart(part: Part, path: Path): ContentPart {
  switch (part.type) {
    case "text":
      return { type: "text", text: validate(textPartSchema, part, path).text };
    case "image_url": {
      const { image_url } = validate(imageUrlPartSchema, part, path);
      return imageFromUrl(typeof image_url === "string" ? image_url : image_url.url, path);
    }
    default:
      throw unsupportedPart(part.type, path);
  }
}

function plainTextOf(part: Part, path: Path, role: string): string {
  if (part.type === "text") return validate(textPartSchema, part, path).text;
  // OpenAI's own assistant messages may contain a refusal part; replaying one is legitimate history.
  if (part.type === "refusal" && role === "assistant") return validate(refusalPartSchema, part, path).refusal;
  throw badRequest(
    `Invalid '${formatParam(path)}': only text parts are supported in '${role}' messages, got a part of type '${part.type}'.`,
    formatParam(path),
    "unsupported_value",
  );
}

function imageFromUrl(url: string, path: Path): ContentPart {
  return imageFromDataUrl(url, formatParam(path) ?? "content");
}

function unsupportedPart(type: string, path: Path): GatewayError {
  const param = formatParam(path);
  return badRequest(
    `Invalid '${param}': content part type '${type}' is not supported by this gateway; send 'text' parts, and images as 'image_url' parts with a base64 data URL.`,
    param,
    "unsupported_value",
  );
}

function validate<T extends z.ZodType>(schema: T, part: Part, path: Path): z.infer<T> {
  const result = schema.safeParse(part);
  if (!result.success) throw issueToBadRequest(result.error.issues[0]!, part, path);
  return result.data;
}
