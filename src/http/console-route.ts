// The web console's static files: the page at / and /console, its hashed
// assets under /console/. The files come in as bytes (the process entry reads
// them from dist/console), so this route stays Web-standard and reads no disk.
// The page holds nothing secret and needs no key: the API it calls keeps its own auth.
import { Hono, type Context } from "hono";
import type { AppEnv } from "../pipeline/app-env.js";

export interface StaticAsset {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
  /** A strong validator of the body, so a reload of the page costs a 304. */
  etag: string;
}

/** Path below the console's root ("index.html", "assets/index-1a2b3c.js") → file. */
export type StaticAssets = ReadonlyMap<string, StaticAsset>;

export const CONSOLE_INDEX = "index.html";

/**
 * Scripts, styles and API calls from this origin only: no inline script, no
 * CDN, no framing. The console is built to need nothing else.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

// Vite names every file it puts in assets/ after a hash of its content: a new build is a new name.
const HASHED = /^assets\//;

export function consoleRoutes(assets: StaticAssets): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  const page = (c: Context<AppEnv>) => serve(c, assets.get(CONSOLE_INDEX), "no-cache");
  app.get("/", page);
  app.get("/console", page);
  app.get("/console/*", (c) => {
    const path = c.req.path.slice("/console/".length);
    if (path === "") return page(c);
    return serve(c, assets.get(path), HASHED.test(path) ? "public, max-age=31536000, immutable" : "no-cache");
  });
  return app;
}

function serve(c: Context<AppEnv>, asset: StaticAsset | undefined, cacheControl: string): Response | Promise<Response> {
  if (!asset) return c.notFound();
  const headers = {
    "content-type": asset.contentType,
    "cache-control": cacheControl,
    etag: asset.etag,
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
  };
  if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304, headers);
  return c.body(asset.body, 200, headers);
}
