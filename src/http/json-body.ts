// Reads a request body as JSON, with errors that say what is wrong. Hono's
// json validator quietly yields {} for a missing content type, which would
// surface as a misleading "messages is required" (contract B.7 #45).
import type { Context } from "hono";
import type { AppEnv } from "../pipeline/app-env.js";
import { GatewayError } from "../core/gateway-error.js";

const utf8 = new TextDecoder();

export async function readJsonBody(c: Context<AppEnv>): Promise<unknown> {
  const request = c.req.raw;
  const contentType = request.headers.get("content-type") ?? "";
  // The media type itself must be JSON. A looser test (any "json" in the
  // header) would let a web page send a "simple" text/plain request that
  // skips the CORS preflight and still spends the licence.
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/json" && !/^application\/[\w.+-]+\+json$/.test(mediaType)) {
    throw new GatewayError({
      status: 400,
      code: "invalid_content_type",
      message: `Content-Type must be application/json (got ${contentType ? `"${contentType.slice(0, 100)}"` : "none"}).`,
    });
  }
  // A body that has all arrived is read at once where the server can (about 0.15 ms sooner than through a stream).
  const received = c.env?.receivedBody?.();
  const text = received ? utf8.decode(received) : await request.text();
  if (!text.trim()) throw new GatewayError({ status: 400, code: "invalid_json", message: "The request body is empty; a JSON object is required." });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GatewayError({
      status: 400,
      code: "invalid_json",
      message: `The request body is not valid JSON: ${error instanceof Error ? error.message : "parse error"}.`,
    });
  }
}
