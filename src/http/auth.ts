// API-key auth for the /v1 routes. Keys are taken from every header real
// clients use — Bearer (openai SDKs), x-api-key (Anthropic SDK, Claude Code)
// and api-key (Azure-style; Continue sends all three) — and compared in
// constant time so a key cannot be guessed byte by byte from response timing.
import type { MiddlewareHandler } from "hono";
import { GatewayError } from "./errors.js";

export function presentedApiKey(headers: Headers): string | undefined {
  const authorization = headers.get("authorization");
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  return bearer || headers.get("x-api-key")?.trim() || headers.get("api-key")?.trim() || undefined;
}

export function requireApiKey(keys: readonly string[]): MiddlewareHandler {
  const encoder = new TextEncoder();
  const digests = Promise.all(keys.map((key) => digest(encoder.encode(key))));
  return async (c, next) => {
    if (c.req.method === "OPTIONS") return next();
    const presented = presentedApiKey(c.req.raw.headers);
    if (!presented) {
      throw new GatewayError({
        status: 401,
        code: "invalid_api_key",
        type: "invalid_request_error",
        message: "Missing API key. Send it as 'Authorization: Bearer <key>', 'x-api-key' or 'api-key'.",
        shouldRetry: false,
      });
    }
    const candidate = await digest(encoder.encode(presented));
    let matched = false;
    // Every key is compared, matched or not, so timing says nothing about which one.
    for (const known of await digests) matched = constantTimeEqual(candidate, known) || matched;
    if (!matched) {
      throw new GatewayError({
        status: 401,
        code: "invalid_api_key",
        type: "invalid_request_error",
        message: "Incorrect API key provided.",
        shouldRetry: false,
      });
    }
    c.set("callerKey", presented);
    return next();
  };
}

async function digest(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}
