// Request bodies for every route, and hostile values to put into them: the
// route fuzzer (tests/fuzz/routes.fuzz.test.ts) sends them to a real gateway,
// and the fast validators' test (tests/unit/fast-accept.test.ts) holds its two
// validators to the same answers on them.
import fc from "fast-check";
import { TEST_MODEL } from "./gateway.js";

export type Dialect = "openai" | "anthropic";
export interface Route {
  path: string;
  dialect: Dialect;
  base: () => Record<string, unknown>;
  /** Where hostile values are put: paths into the base body. */
  fields: ReadonlyArray<ReadonlyArray<string | number>>;
}

const tool = { type: "function", function: { name: "lookup", description: "Looks a word up.", parameters: { type: "object", properties: { q: { type: "string" } } } } };
export const ROUTES: Route[] = [
  {
    path: "/v1/chat/completions",
    dialect: "openai",
    base: () => ({
      model: TEST_MODEL,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_1", content: "found" },
        { role: "user", content: "thanks" },
      ],
      tools: [structuredClone(tool)],
    }),
    fields: [
      ["model"], ["messages"], ["messages", 0], ["messages", 0, "content"], ["messages", 1, "content"], ["messages", 1, "role"],
      ["messages", 2, "tool_calls", 0, "function", "arguments"], ["messages", 2, "tool_calls", 0, "function", "name"], ["messages", 3, "content"],
      ["tools"], ["tools", 0], ["tools", 0, "function", "name"], ["tools", 0, "function", "description"], ["tools", 0, "function", "parameters"],
      ["response_format"], ["response_format", "json_schema"], ["tool_choice"], ["stream"], ["max_tokens"], ["temperature"], ["stop"], ["n"],
      ["metadata"], ["user"], ["__proto__"], ["constructor"],
    ],
  },
  {
    path: "/v1/responses",
    dialect: "openai",
    base: () => ({
      model: TEST_MODEL,
      instructions: "Be brief.",
      input: [
        { role: "user", content: "hi" },
        { type: "function_call", call_id: "call_1", name: "lookup", arguments: "{}" },
        { type: "function_call_output", call_id: "call_1", output: "found" },
        { role: "user", content: [{ type: "input_text", text: "thanks" }] },
      ],
      tools: [{ type: "function", name: "lookup", description: "Looks a word up.", parameters: { type: "object" } }],
      store: false,
    }),
    fields: [
      ["model"], ["input"], ["input", 0], ["input", 0, "content"], ["input", 1, "arguments"], ["input", 1, "name"], ["input", 2, "output"],
      ["input", 3, "content", 0, "text"], ["instructions"], ["tools"], ["tools", 0], ["tools", 0, "name"], ["tools", 0, "description"], ["tools", 0, "parameters"],
      ["text"], ["text", "format"], ["tool_choice"], ["stream"], ["metadata"], ["previous_response_id"], ["reasoning"], ["__proto__"], ["constructor"],
    ],
  },
  {
    path: "/v1/messages",
    dialect: "anthropic",
    base: () => ({
      model: TEST_MODEL,
      max_tokens: 100,
      system: "Be brief.",
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "x" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "found" }, { type: "text", text: "thanks" }] },
      ],
      tools: [{ name: "lookup", description: "Looks a word up.", input_schema: { type: "object" } }],
    }),
    fields: [
      ["model"], ["messages"], ["messages", 0, "content"], ["messages", 1, "content", 0, "input"], ["messages", 1, "content", 0, "name"],
      ["messages", 2, "content", 0, "content"], ["messages", 2, "content", 1, "text"], ["system"], ["tools"], ["tools", 0, "name"],
      ["tools", 0, "description"], ["tools", 0, "input_schema"], ["tool_choice"], ["output_config"], ["thinking"], ["stream"], ["max_tokens"],
      ["metadata"], ["__proto__"], ["constructor"],
    ],
  },
  {
    path: "/v1/messages/count_tokens",
    dialect: "anthropic",
    base: () => ({ model: TEST_MODEL, messages: [{ role: "user", content: "hi" }], tools: [{ name: "lookup", input_schema: { type: "object" } }] }),
    fields: [["model"], ["messages"], ["messages", 0, "content"], ["tools"], ["tools", 0, "name"], ["tools", 0, "input_schema"], ["system"], ["__proto__"]],
  },
];

// ---- hostile values, as raw JSON text (JSON.stringify cannot write 10,000 levels) ----

const nested = (depth: number, open: string, close: string, inner = "1") => open.repeat(depth) + inner + close.repeat(depth);
const deepSchema = (levels: number) => nested(levels, '{"type":"object","properties":{"a":', "}}", '{"type":"string"}');
const manyTools = (count: number, dialect: Dialect) =>
  `[${Array.from({ length: count }, (_, i) =>
    dialect === "anthropic" ? `{"name":"t${i}","input_schema":{"type":"object"}}` : `{"type":"function","function":{"name":"t${i}"},"name":"t${i}"}`,
  ).join(",")}]`;

/** JSON text with a lone surrogate, as a client's JSON encoder writes it. */
const loneSurrogate = fc.constantFrom('"\\ud800"', '"a\\udfffb"', '"\\ude00\\ud83d"', '"ok \\ud83d"');
export const hostile = (dialect: Dialect): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
    { weight: 3, arbitrary: loneSurrogate },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }).map((text) => JSON.stringify(text)) },
    { weight: 1, arbitrary: fc.constantFrom('"\\u0000"', '"a\\u0000b"', '{"\\u0000":1}') },
    { weight: 1, arbitrary: fc.constantFrom(nested(10_000, "[", "]"), nested(10_000, '{"a":', "}"), nested(200, "[", "]"), deepSchema(62), deepSchema(70)) },
    { weight: 1, arbitrary: fc.constantFrom('{"type":"json_schema","json_schema":{"name":"x","schema":' + deepSchema(62) + "}}", '{"format":{"type":"json_schema","name":"x","schema":' + deepSchema(62) + "}}") },
    { weight: 1, arbitrary: fc.constantFrom(JSON.stringify("x".repeat(300_000)), JSON.stringify("ツール".repeat(1_000)), JSON.stringify("😀".repeat(1_000)), JSON.stringify("a b")) },
    { weight: 1, arbitrary: fc.constantFrom(manyTools(3_000, dialect), `[${"1,".repeat(5_000)}1]`) },
    { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"toString":1,"valueOf":"x","hasOwnProperty":null}') },
  );

const PLACEHOLDER = "@@HOSTILE@@";

/** The base body with `raw` at `path`. */
export function bodyWith(route: Route, path: ReadonlyArray<string | number>, raw: string): string {
  const body = route.base();
  let at: Record<string | number, unknown> = body;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (next === null || typeof next !== "object") return JSON.stringify(body);
    at = next as Record<string | number, unknown>;
  }
  // defineProperty: `__proto__` must become an own key, as JSON.parse makes it.
  Object.defineProperty(at, path.at(-1)!, { value: PLACEHOLDER, enumerable: true, writable: true, configurable: true });
  return JSON.stringify(body).replace(`"${PLACEHOLDER}"`, () => raw);
}
