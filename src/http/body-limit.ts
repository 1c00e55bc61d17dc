// The request body's size limit. A declared Content-Length is checked from the
// header alone (Node's parser never reads past it); only a chunked body is
// counted as it streams, by Hono's bodyLimit. Hono's middleware touches
// `request.body` on every request, which makes @hono/node-server build a full
// Web Request around the socket and cost ~0.5 ms per turn; reading the
// header keeps the server's direct read of the body.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../pipeline/app-env.js";

export function limitBody(maxSize: number, tooLarge: () => never): MiddlewareHandler<AppEnv> {
  const streamed = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    const headers = c.req.raw.headers;
    const declared = headers.get("content-length");
    if (declared === null || headers.has("transfer-encoding")) return streamed(c, next);
    if (Number(declared) > maxSize) tooLarge();
    return next();
  };
}
