// Inline images only: the gateway never fetches a URL on a client's behalf
// (no SSRF, no surprise egress), so a remote URL is a 400 that says how to
// inline the image. Shared by every dialect that takes image URLs.
import { badRequest } from "../../core/gateway-error.js";
import type { ContentPart } from "../../core/turn.js";

// `data:image/png;base64,…`, tolerating extra `;key=value` parameters before `;base64`.
const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** An image part from a base64 data URL; `param` names the field in the 400 otherwise. */
export function imageFromDataUrl(url: string, param: string): ContentPart {
  if (!/^data:/i.test(url)) {
    throw badRequest(
      `Invalid '${param}': image URLs are not fetched by this gateway. Send the image inline as a base64 data URL, e.g. "data:image/png;base64,iVBORw0KGgo…".`,
      param,
      "unsupported_value",
    );
  }
  const header = DATA_URL.exec(url);
  const mimeType = header?.[1]?.toLowerCase() ?? "";
  const isBase64 = header?.[2]?.toLowerCase().split(";").includes("base64") ?? false;
  if (header === null || !mimeType.startsWith("image/") || mimeType.length <= "image/".length || !isBase64) {
    throw badRequest(`Invalid '${param}': malformed image data URL; expected "data:image/<type>;base64,<data>".`, param, "invalid_image_url");
  }
  let data = url.slice(header[0].length);
  // Some encoders wrap base64 every 76 characters (MIME style).
  if (/\s/.test(data)) data = data.replace(/\s+/g, "");
  if (!BASE64.test(data)) {
    throw badRequest(`Invalid '${param}': the image data URL does not contain valid base64 data.`, param, "invalid_image_url");
  }
  return { type: "image", mimeType, data };
}
