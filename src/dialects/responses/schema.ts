// The Responses API request body (`POST /v1/responses`), as far as the gateway
// reads it.
//
// Lenient like the chat schema (contract B.7): every object is a `looseObject`,
// so the many fields Codex, the Vercel AI SDK and openai-node send that we do
// not act on (`include`, `prompt_cache_key`, `service_tier`, `truncation`,
// `text.verbosity`, `reasoning.summary`, `safety_identifier`…) pass untouched,
// and `null` is accepted wherever OpenAI documents the field as nullable.
// Items, parts and tools are checked only at their envelope here; `input.ts`,
// `content.ts` and `tools.ts` map each type with its own rules and messages.
import { z } from "zod";

/** Zod 4 applies a schema's `error` to its checks too (`.min`, `.int`), so one message covers each field. */
const expecting = (what: string) => ({ error: `expected ${what}` });

const numberBetween = (min: number, max: number) =>
  z.number(expecting(`a number between ${min} and ${max}`)).min(min).max(max);

const jsonSchemaObject = () => z.record(z.string(), z.unknown(), expecting("a JSON Schema object"));

// ---- input items and content parts --------------------------------------

/** An input item: `type` is optional for messages (openai-node's `EasyInputMessage`). */
export const itemEnvelopeSchema = z.looseObject(
  { type: z.string(expecting("a string naming the item type")).nullish() },
  expecting("an input item object such as {\"role\":\"user\",\"content\":\"…\"}"),
);

export const partEnvelopeSchema = z.looseObject(
  { type: z.string(expecting("a string naming the part type, such as 'input_text'")) },
  expecting("a content part object such as {\"type\":\"input_text\",\"text\":\"…\"}"),
);

export const messageItemSchema = z.looseObject({
  role: z.enum(["user", "system", "developer", "assistant"], expecting("'user', 'system', 'developer' or 'assistant'")),
  content: z.union([z.string(), z.array(partEnvelopeSchema)], expecting("a string or an array of content parts")),
});

export const textPartSchema = z.looseObject({ text: z.string(expecting("a string")) });

export const refusalPartSchema = z.looseObject({ refusal: z.string(expecting("a string")) });

export const inputImagePartSchema = z.looseObject({
  image_url: z.string(expecting("a string")).nullish(),
  file_id: z.string(expecting("a string")).nullish(),
});

export const functionCallItemSchema = z.looseObject({
  call_id: z.string(expecting("a non-empty string")).min(1),
  name: z.string(expecting("a non-empty string")).min(1),
  namespace: z.string(expecting("a string")).nullish(),
  // A JSON object string per the spec; some clients echo the parsed object back.
  arguments: z.union([z.string(), z.record(z.string(), z.unknown())], expecting("a JSON string of the arguments")).nullish(),
});

export const customToolCallItemSchema = z.looseObject({
  call_id: z.string(expecting("a non-empty string")).min(1),
  name: z.string(expecting("a non-empty string")).min(1),
  namespace: z.string(expecting("a string")).nullish(),
  input: z.string(expecting("a string")),
});

/** Also the shape of `custom_tool_call_output`. */
export const functionCallOutputItemSchema = z.looseObject({
  call_id: z.string(expecting("a non-empty string")).min(1),
  output: z.union([z.string(), z.array(partEnvelopeSchema)], expecting("a string or an array of content parts")),
});

export const itemReferenceSchema = z.looseObject({ id: z.string(expecting("a non-empty string")).min(1) });

// ---- tools ----------------------------------------------------------------

export const toolEnvelopeSchema = z.looseObject(
  { type: z.string(expecting("a string naming the tool type, such as 'function'")) },
  expecting("a tool object such as {\"type\":\"function\",\"name\":\"…\"}"),
);

const functionFields = {
  name: z.string(expecting("a non-empty string")).min(1),
  description: z.string(expecting("a string")).nullish(),
  parameters: jsonSchemaObject().nullish(),
  strict: z.boolean(expecting("a boolean")).nullish(),
};

/** The Responses form is flat: `{type:"function", name, parameters}`. */
export const functionToolSchema = z.looseObject(functionFields);

/** A custom (freeform) tool, as Codex sends `apply_patch`: see custom-tools.ts. */
export const customToolSchema = z.looseObject({
  name: z.string(expecting("a non-empty string")).min(1),
  description: z.string(expecting("a string")).nullish(),
  format: z
    .looseObject(
      { type: z.string(expecting("'text' or 'grammar'")), syntax: z.string(expecting("a string")).optional(), definition: z.string(expecting("a string")).optional() },
      expecting("an object {\"type\":\"text\"} or {\"type\":\"grammar\", \"syntax\", \"definition\"}"),
    )
    .nullish(),
});

/** A group of function and custom tools (Codex: its multi-agent tools, each MCP server). */
export const namespaceToolSchema = z.looseObject({
  name: z.string(expecting("a non-empty string")).min(1),
  description: z.string(expecting("a string")).nullish(),
  tools: z.array(z.lazy(() => toolEnvelopeSchema), expecting("an array of function and custom tools")).min(1),
});

/** A tool search; only one the client executes (`execution: "client"`, as Codex sends it) can be offered. */
export const toolSearchToolSchema = z.looseObject({
  execution: z.string(expecting("'client' or 'server'")).nullish(),
  description: z.string(expecting("a string")).nullish(),
  parameters: jsonSchemaObject().nullish(),
});

/** A `tool_search_call` item replayed: the model's search. */
export const toolSearchCallItemSchema = z.looseObject({
  call_id: z.string(expecting("a non-empty string")).min(1),
  arguments: z.unknown(),
});

/** A `tool_search_output` item: the tools the client's search loaded, now callable. */
export const toolSearchOutputItemSchema = z.looseObject({
  call_id: z.string(expecting("a non-empty string")).min(1),
  tools: z.array(z.lazy(() => toolEnvelopeSchema), expecting("an array of tools")),
});

/** The Chat Completions form, which some clients send here by mistake: accepted rather than rejected. */
export const nestedFunctionToolSchema = z.looseObject({ function: z.looseObject(functionFields) });

export const toolChoiceSchema = z.union(
  [z.string(), z.looseObject({ type: z.string(expecting("a string")), name: z.string(expecting("a string")).nullish() })],
  expecting("'none', 'auto', 'required' or {\"type\":\"function\",\"name\":…}"),
);

// ---- text.format ----------------------------------------------------------

export const textFormatSchema = z.discriminatedUnion(
  "type",
  [
    z.looseObject({ type: z.literal("text") }),
    z.looseObject({ type: z.literal("json_object") }),
    z.looseObject({
      type: z.literal("json_schema"),
      name: z.string(expecting("a string")).nullish(),
      description: z.string(expecting("a string")).nullish(),
      schema: jsonSchemaObject(),
      strict: z.boolean(expecting("a boolean")).nullish(),
    }),
  ],
  {
    error: (issue) =>
      issue.code === "invalid_union" ? "expected 'text', 'json_object' or 'json_schema'" : "expected an object {\"type\":…}",
  },
);

// ---- the body ---------------------------------------------------------------

/** Key order is the order errors are reported in: the most basic first. */
export const responsesRequestSchema = z.looseObject({
  model: z.string(expecting("a non-empty string naming the model")).min(1),
  input: z.union(
    [z.string(), z.array(itemEnvelopeSchema, expecting("a non-empty array of input items")).min(1)],
    expecting("a string or a non-empty array of input items"),
  ),
  instructions: z.string(expecting("a string")).nullish(),
  previous_response_id: z.string(expecting("a response id such as 'resp_…'")).min(1).nullish(),
  max_output_tokens: z.number(expecting("a positive integer")).int().positive().nullish(),
  temperature: numberBetween(0, 2).nullish(),
  top_p: numberBetween(0, 1).nullish(),
  reasoning: z
    .looseObject(
      {
        /** The value is checked in parse.ts so an unknown effort gets `code: "unsupported_value"`. */
        effort: z.string(expecting("a string such as 'low', 'medium' or 'high'")).nullish(),
        summary: z.string(expecting("a string such as 'auto'")).nullish(),
      },
      expecting("an object {\"effort\"?, \"summary\"?}"),
    )
    .nullish(),
  text: z.looseObject({ format: textFormatSchema.nullish() }, expecting("an object {\"format\"?}")).nullish(),
  tools: z.array(toolEnvelopeSchema, expecting("an array of tools")).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean(expecting("a boolean")).nullish(),
  stream: z.boolean(expecting("a boolean")).nullish(),
  store: z.boolean(expecting("a boolean")).nullish(),
  background: z.boolean(expecting("a boolean")).nullish(),
  // Echoed in the response, whose schema (OpenAI's) allows only this: up to 16
  // string values, keys of at most 64 characters, values of at most 512.
  metadata: z
    .record(z.string().max(64, "expected a key of at most 64 characters"), z.string(expecting("a string of at most 512 characters")).max(512), expecting("an object of at most 16 string values"))
    .refine((metadata) => Object.keys(metadata).length <= 16, "expected at most 16 keys")
    .nullish(),
});

export type ResponsesRequestBody = z.infer<typeof responsesRequestSchema>;
export type ItemEnvelope = z.infer<typeof itemEnvelopeSchema>;
export type PartEnvelope = z.infer<typeof partEnvelopeSchema>;
export type ToolEnvelope = z.infer<typeof toolEnvelopeSchema>;
export type TextFormatBody = z.infer<typeof textFormatSchema>;
