// The layer order holds: every import in src/ runs downward (type-only
// imports too), every file sits in a layer, and the check really catches a
// planted upward import.
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { layerViolations, type LayerViolation } from "./layer-rules.js";
import { foldersOf, LAYERS, readmeLine } from "./layers.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const explain = (violations: LayerViolation[]) => violations.map((v) => `${v.from} → ${v.to}: breaks "${v.rule}" (${v.comment})`).join("\n");

describe("the layer order of src/", () => {
  it("every import runs downward", async () => {
    const violations = await layerViolations(root);
    expect(explain(violations)).toBe("");
  }, 60_000);

  it("every file sits in a listed layer", async () => {
    const layered = new Set(LAYERS.flatMap(foldersOf));
    const entries = await readdir(join(root, "src"), { recursive: true, withFileTypes: true });
    const outside = entries
      .filter((entry) => entry.isFile())
      .map((entry) => relative(join(root, "src"), join(entry.parentPath, entry.name)))
      .filter((path) => !layered.has(path.split("/")[0]!));
    expect(outside).toEqual([]);
  });

  it("no source file is over 350 lines: a longer one wants its parts named", async () => {
    const entries = await readdir(join(root, "src"), { recursive: true, withFileTypes: true });
    const long: string[] = [];
    for (const entry of entries.filter((file) => file.isFile() && file.name.endsWith(".ts"))) {
      const path = join(entry.parentPath, entry.name);
      const lines = (await readFile(path, "utf8")).split("\n").length - 1;
      if (lines > 350) long.push(`${relative(root, path)}: ${lines} lines`);
    }
    expect(long).toEqual([]);
  });

  it("every folder opens with a README line saying what lives there, as the layer list says", async () => {
    const folders = LAYERS.flatMap((layer) => Object.entries(layer.folders)).filter(([folder]) => !folder.endsWith(".ts"));
    for (const [folder, holds] of folders) {
      const readme = await readFile(join(root, "src", folder, "README.md"), "utf8").catch(() => "(no README.md)");
      expect(readme.split("\n")[0], `src/${folder}/README.md`).toBe(readmeLine(folder, holds));
    }
  });

  it("docs/architecture.md names every layer's folders", async () => {
    const page = await readFile(join(root, "docs", "architecture.md"), "utf8");
    const missing = LAYERS.flatMap(foldersOf).filter((folder) => !page.includes(folder.endsWith(".ts") ? `\`${folder}\`` : `\`${folder}/\``));
    expect(missing).toEqual([]);
  });

  it("fails on an upward import (a type-only one too), a sideways one and a circle, naming the rule", async () => {
    const planted = await mkdtemp(join(tmpdir(), "layers-"));
    try {
      const file = async (path: string, text: string) => {
        await mkdir(dirname(join(planted, path)), { recursive: true });
        await writeFile(join(planted, path), text);
      };
      await file("src/http/app.ts", `export interface AppConfig { port: number }\nexport const app = 1;\n`);
      await file("src/core/gateway-error.ts", `import type { AppConfig } from "../http/app.js";\nexport type Planted = AppConfig;\n`);
      await file("src/runtime/pool.ts", `import { app } from "../http/app.js";\nimport type { Planted } from "../core/gateway-error.js";\nexport const pool: [number, Planted?] = [app];\n`);
      await file("src/node/server.ts", `import { x } from "../cli/index.js";\nexport const y = x;\n`);
      await file("src/cli/index.ts", `export const x = 1;\n`);
      await file("src/turns/a.ts", `import { b } from "./b.js";\nexport const a = () => b;\n`);
      await file("src/turns/b.ts", `import { a } from "./a.js";\nexport const b = () => a;\n`);
      const violations = await layerViolations(planted);
      expect(violations.map(({ rule, from, to }) => ({ rule, from, to })).sort((a, b) => a.from.localeCompare(b.from))).toEqual([
        { rule: "core imports only downward", from: "src/core/gateway-error.ts", to: "src/http/app.ts" },
        { rule: "node does not import beside it", from: "src/node/server.ts", to: "src/cli/index.ts" },
        { rule: "runtime imports only downward", from: "src/runtime/pool.ts", to: "src/http/app.ts" },
        { rule: "no import circle", from: "src/turns/a.ts", to: "src/turns/b.ts" },
      ]);
    } finally {
      await rm(planted, { recursive: true, force: true });
    }
  }, 60_000);
});
