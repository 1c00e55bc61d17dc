// Reads the built web console (dist/console, made by `npm run build`) into
// memory once at start, for the app's console route. Node-only: the app itself
// never touches the disk.
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import { CONSOLE_INDEX, type StaticAsset, type StaticAssets } from "../http/console-route.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

/** The files of the first directory that holds a built console (an index.html), or undefined when none does. */
export async function loadConsoleAssets(directories: readonly string[]): Promise<StaticAssets | undefined> {
  for (const directory of directories) {
    if (!(await isFile(join(directory, CONSOLE_INDEX)))) continue;
    const assets = new Map<string, StaticAsset>();
    for (const file of await filesUnder(directory)) {
      const body = new Uint8Array(await readFile(file));
      const path = relative(directory, file).split(sep).join("/");
      assets.set(path, { body, contentType: CONTENT_TYPES[extname(file)] ?? "application/octet-stream", etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` });
    }
    return assets;
  }
  return undefined;
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
