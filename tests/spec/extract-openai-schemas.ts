// Copies, from OpenAI's published OpenAPI document (github.com/openai/openai-openapi,
// openapi.json), the schemas the gateway's OpenAI routes must conform to, with
// everything they reference, into openai.schemas.json beside this file.
// Run: npx tsx tests/spec/extract-openai-schemas.ts <path to openapi.json> <commit> <commit date>
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** What the routes produce: bodies, stream chunks and events, errors. */
export const OPENAI_ROOTS = [
  "CreateChatCompletionResponse",
  "CreateChatCompletionStreamResponse",
  "ListModelsResponse",
  "Model",
  "ErrorResponse",
  "Response",
  "ResponseStreamEvent",
];

const [source, commit, date] = process.argv.slice(2);
if (!source || !commit || !date) throw new Error("usage: extract-openai-schemas.ts <openapi.json> <commit> <commit date>");
const document = JSON.parse(readFileSync(source, "utf8")) as { components: { schemas: Record<string, unknown> } };
const all = document.components.schemas;
const kept: Record<string, unknown> = {};
const visit = (name: string) => {
  if (name in kept) return;
  const schema = all[name];
  if (schema === undefined) throw new Error(`no schema ${name}`);
  kept[name] = schema;
  for (const match of JSON.stringify(schema).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) visit(match[1]!);
};
OPENAI_ROOTS.forEach(visit);
const out = {
  source: { repository: "openai/openai-openapi", file: "openapi.json", commit, date },
  components: { schemas: Object.fromEntries(Object.entries(kept).sort(([a], [b]) => a.localeCompare(b))) },
};
writeFileSync(join(dirname(fileURLToPath(import.meta.url)), "openai.schemas.json"), `${JSON.stringify(out, null, 1)}\n`);
console.log(`kept ${Object.keys(kept).length} schemas`);
