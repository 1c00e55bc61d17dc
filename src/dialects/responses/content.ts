// Responses content parts (`input_text`, `input_image`, `output_text`…) → the
// turn vocabulary. Every rejection names the exact part (`input[i].content[j]`)
// and says what to send instead: a clear 400, never a silent drop and never a
// 500 (contract B.8 #51/#52).
import type { z } from "zod";
import { badRequest } from "../../core/gateway-error.js";
import type { ContentPart } from "../../core/turn.js";
import { imageFromDataUrl } from "../shared/image-data-url.js";
import { formatParam, issueToBadRequest } from "../shared/issue-to-error.js";
import { inputImagePartSchema, refusalPartSchema, textPartSchema, type PartEnvelope } from "./schema.js";

export type Path = readonly (string | number)[];

/**
 * Text parts, whatever their spelling: `input_text` is the spec for input,
 * `output_text` is what replayed assistant output carries, and plain `text`
 * is what chat-minded clients send.
 */
const TEXT_PARTS = new Set(["input_text", "output_text", "text"]);

/** User content → parts; every user message yields at least one part. */
export function toUserContent(content: string | PartEnvelope[], path: Path): ContentPart[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  const parts = content.map((part, j) => toUserPart(part, [...path, j]));
  return parts.length > 0 ? parts : [{ type: "text", text: "" }];
}

/**
 * System, developer, assistant and tool-output content → one string, text parts
 * concatenated as sent. Assistant history may carry the `refusal` part OpenAI
 * itself produces; replaying it is legitimate.
 */
export function toPlainText(content: string | PartEnvelope[], path: Path, what: string): string {
  if (typeof content === "string") return content;
  return content
    .map((part, j) => {
      const partPath = [...path, j];
      if (TEXT_PARTS.has(part.type)) return validate(textPartSchema, part, partPath).text;
      if (part.type === "refusal") return validate(refusalPartSchema, part, partPath).refusal;
      throw badRequest(
        `Invalid '${formatParam(partPath)}': only text parts are supported in ${what}, got a part of type '${part.type}'.`,
        formatParam(partPath),
        "unsupported_value",
      );
    })
    .join("");
}

function toUserPart(part: PartEnvelope, path: Path): ContentPart {
  if (TEXT_PARTS.has(part.type)) return { type: "text", text: validate(textPartSchema, part, path).text };
  if (part.type === "input_image") {
    const { image_url: url } = validate(inputImagePartSchema, part, path);
    if (url === null || url === undefined) {
      // A `file_id` names a file uploaded to OpenAI's Files API, which the gateway has no access to.
      throw badRequest(
        `Invalid '${formatParam(path)}': 'file_id' images are not supported by this gateway; send the image inline in 'image_url' as a base64 data URL, e.g. "data:image/png;base64,iVBORw0KGgo…".`,
        formatParam(path),
        "unsupported_value",
      );
    }
    return imageFromUrl(url, path);
  }
  const param = formatParam(path);
  throw badRequest(
    `Invalid '${param}': content part type '${part.type}' is not supported by this gateway; send 'input_text' parts, and images as 'input_image' parts with a base64 data URL.`,
    param,
    "unsupported_value",
  );
}

function imageFromUrl(url: string, path: Path): ContentPart {
  return imageFromDataUrl(url, formatParam(path) ?? "content");
}

export function validate<T extends z.ZodType>(schema: T, value: unknown, path: Path): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw issueToBadRequest(result.error.issues[0]!, value, path);
  return result.data;
}
