// vitest globalSetup: builds the web console (Vite, into dist/console) when
// any of its sources is newer than the last build, so the browser tests drive
// the page as `npm run build` makes it, from a fresh clone too.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BUILT = join(ROOT, "dist/console/index.html");
const SOURCES = [join(ROOT, "console"), join(ROOT, "package-lock.json")];

export default async function buildConsoleWhenStale(): Promise<void> {
  const built = await modifiedAt(BUILT);
  const newest = Math.max(...(await Promise.all(SOURCES.map(newestUnder))));
  if (built !== undefined && built >= newest) return;
  await build({ configFile: join(ROOT, "console/vite.config.ts"), logLevel: "warn" });
}

async function newestUnder(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  const times = await Promise.all(entries.filter((entry) => entry.isFile()).map(async (entry) => (await stat(join(entry.parentPath, entry.name))).mtimeMs));
  return Math.max(info.mtimeMs, ...times);
}

async function modifiedAt(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}
