// What every answer tells browsers and caches. API and admin answers carry
// prompts, answers and one-time key secrets: nothing may store them
// (`Cache-Control: no-store`) or guess their type (`nosniff`). Cross-origin
// calls follow GATEWAY_CORS_ORIGINS, but the admin API and metrics answer
// only origins listed by name: `*` lets any web page call the API with a
// key it holds, never drive the admin API (or sign-in) from a browser.
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../pipeline/app-env.js";

/** Response headers clients read across origins. */
const EXPOSED_HEADERS = ["retry-after", "retry-after-ms", "x-request-id", "x-should-retry", "x-gateway-usage-estimated", "x-gateway-quota-reset"];

/** `no-store` and `nosniff` on every answer that does not set its own caching (the console's assets do). */
export function noStore(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
    c.res.headers.set("x-content-type-options", "nosniff");
  };
}

/** CORS for `origins` (`*`: any), with the admin API and metrics open only to origins named in it. */
export function crossOrigin(origins: readonly string[]): MiddlewareHandler<AppEnv> {
  const anyOrigin = origins.includes("*");
  const named = (origin: string) => (origins.includes(origin) ? origin : null);
  const policy = cors({
    origin: anyOrigin ? (origin, c) => (isOperatorPath(c.req.path) ? named(origin) : "*") : named,
    allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
    // allowHeaders left empty: the preflight's requested headers are
    // reflected, which covers openai-node's x-stainless-* in browsers.
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  return async (c, next) => {
    // An operator path is not answered for an origin not named: not even its preflight.
    if (isOperatorPath(c.req.path) && !origins.includes(c.req.header("origin") ?? "")) return next();
    return policy(c, next);
  };
}

/** The admin API, metrics, and sign-in (whose cookies no other site's page may ride on). */
function isOperatorPath(path: string): boolean {
  return path === "/admin" || path.startsWith("/admin/") || path === "/metrics" || path.startsWith("/metrics/") || path === "/auth" || path.startsWith("/auth/");
}
