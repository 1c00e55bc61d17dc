// The Chat Completions request body, as far as the gateway reads it.
//
// Lenient by construction (contract B.7): every object is a `looseObject`, so
// unknown keys anywhere (`stream_options.include_obfuscation`, `metadata`,
// `cache_control` on parts, `name` on messages, `reasoning_content` in history,
// Vercel `providerOptions` leftovers…) pass through untouched, and fields we do
// not use (`seed`, `user`, `logit_bias`, `logprobs`…) are not declared at all, so
// no value of theirs can fail. Only fields we act on are checked, and `null` is
// accepted wherever OpenAI documents the field as nullable.
//
// Every schema carries an "expected …" message; `issue-to-error.ts` prefixes it
// with the OpenAI-style parameter path (`messages[2].content[1]`).
import { z } from "zod";

/** Zod 4 applies a schema's `error` to its checks too (`.min`, `.int`), so one message covers each field. */
const expecting = (what: string) => ({ error: `expected ${what}` });

const numberBetween = (min: number, max: number) =>
  z.number(expecting(`a number between ${min} and ${max}`)).min(min).max(max);

const positiveInteger = () => z.number(expecting("a positive integer")).int().positive();

const jsonSchemaObject = () => z.record(z.string(), z.unknown(), expecting("a JSON Schema object"));

// ---- content -------------------------------------------------------------

/**
 * Only the envelope of a part is checked here; `content.ts` maps each part type
 * with its own rules (and its own "not supported" messages).
 */
export const contentPartEnvelopeSchema = z.looseObject(
  { type: z.string(expecting("a string naming the part type, such as 'text' or 'image_url'")) },
  expecting("a content part object such as {\"type\":\"text\",\"text\":\"…\"}"),
);

export const messageContentSchema = z
  .union([z.string(), z.array(contentPartEnvelopeSchema)], expecting("a string or an array of content parts"))
  .nullish();

export const textPartSchema = z.looseObject({
  type: z.literal("text"),
  text: z.string(expecting("a string")),
});

/** Assistant history may carry the refusal part that OpenAI itself produces. */
export const refusalPartSchema = z.looseObject({
  type: z.literal("refusal"),
  refusal: z.string(expecting("a string")),
});

export const imageUrlPartSchema = z.looseObject({
  type: z.literal("image_url"),
  // Some older clients send the URL as a bare string instead of `{url}`.
  image_url: z.union(
    [z.string(), z.looseObject({ url: z.string(expecting("a string")) })],
    expecting("an object {\"url\": \"data:image/…;base64,…\"}"),
  ),
});

// ---- messages ------------------------------------------------------------

const toolCallArgumentsSchema = z
  // A JSON object string per the spec; some clients echo the parsed object back.
  .union([z.string(), z.record(z.string(), z.unknown())], expecting("a JSON string of the arguments"))
  .nullish();

export const historyToolCallSchema = z.looseObject(
  {
    id: z.string(expecting("a string")).min(1),
    function: z.looseObject(
      { name: z.string(expecting("a non-empty string")).min(1), arguments: toolCallArgumentsSchema },
      expecting("an object {\"name\", \"arguments\"}"),
    ),
  },
  expecting("a tool call object"),
);

export const legacyFunctionCallSchema = z.looseObject(
  { name: z.string(expecting("a non-empty string")).min(1), arguments: toolCallArgumentsSchema },
  expecting("an object {\"name\", \"arguments\"}"),
);

const textOnlyMessage = <Role extends string>(role: Role) =>
  z.looseObject({ role: z.literal(role), content: messageContentSchema });

export const messageSchema = z.discriminatedUnion(
  "role",
  [
    textOnlyMessage("system"),
    textOnlyMessage("developer"),
    textOnlyMessage("user"),
    z.looseObject({
      role: z.literal("assistant"),
      content: messageContentSchema,
      tool_calls: z.array(historyToolCallSchema, expecting("an array of tool calls")).nullish(),
      function_call: legacyFunctionCallSchema.nullish(),
    }),
    z.looseObject({
      role: z.literal("tool"),
      content: messageContentSchema,
      tool_call_id: z.string(expecting("the id of the tool call this message answers")).min(1),
    }),
    z.looseObject({
      role: z.literal("function"),
      content: messageContentSchema,
      name: z.string(expecting("the name of the function this message answers")).min(1),
    }),
  ],
  {
    // The union's error also covers "not an object"; say which one went wrong.
    error: (issue) =>
      issue.code === "invalid_union"
        ? "expected one of 'system', 'developer', 'user', 'assistant', 'tool' or 'function'"
        : "expected a message object such as {\"role\":\"user\",\"content\":\"…\"}",
  },
);

// ---- tools ---------------------------------------------------------------

export const functionDefinitionSchema = z.looseObject(
  {
    name: z.string(expecting("a non-empty string")).min(1),
    description: z.string(expecting("a string")).nullish(),
    parameters: jsonSchemaObject().nullish(),
    strict: z.boolean(expecting("a boolean")).nullish(),
  },
  expecting("a function definition object {\"name\", \"description\"?, \"parameters\"?}"),
);

export const toolSchema = z.looseObject(
  {
    // A missing `type` is tolerated; a different one is a tool we cannot offer the model.
    type: z.literal("function", expecting("'function' (the only tool type this gateway supports)")).optional(),
    function: functionDefinitionSchema,
  },
  expecting("a tool object {\"type\":\"function\",\"function\":{…}}"),
);

/** The string values are checked in `tools.ts`, which knows whether tools were declared. */
export const toolChoiceSchema = z.union(
  [
    z.string(),
    z.looseObject({
      type: z.literal("function", expecting("'function'")),
      function: z.looseObject({ name: z.string(expecting("a non-empty string")).min(1) }, expecting("an object {\"name\"}")),
    }),
  ],
  expecting("'none', 'auto', 'required' or {\"type\":\"function\",\"function\":{\"name\":…}}"),
);

export const legacyFunctionChoiceSchema = z.union(
  [z.string(), z.looseObject({ name: z.string(expecting("a non-empty string")).min(1) })],
  expecting("'none', 'auto' or {\"name\":…}"),
);

// ---- response_format -----------------------------------------------------

export const responseFormatSchema = z.discriminatedUnion(
  "type",
  [
    z.looseObject({ type: z.literal("text") }),
    z.looseObject({ type: z.literal("json_object") }),
    z.looseObject({
      type: z.literal("json_schema"),
      json_schema: z.looseObject(
        {
          name: z.string(expecting("a string")).nullish(),
          description: z.string(expecting("a string")).nullish(),
          schema: jsonSchemaObject(),
          strict: z.boolean(expecting("a boolean")).nullish(),
        },
        expecting("an object {\"name\", \"schema\", \"strict\"?}"),
      ),
    }),
  ],
  {
    error: (issue) =>
      issue.code === "invalid_union" ? "expected 'text', 'json_object' or 'json_schema'" : "expected an object {\"type\":…}",
  },
);

// ---- the body ------------------------------------------------------------

/** Key order is the order errors are reported in: the most basic first. */
export const chatRequestSchema = z.looseObject({
  model: z.string(expecting("a non-empty string naming the model")).min(1),
  messages: z.array(messageSchema, expecting("a non-empty array of messages")).min(1),
  n: z.number(expecting("a positive integer")).int().min(1).nullish(),
  max_completion_tokens: positiveInteger().nullish(),
  max_tokens: positiveInteger().nullish(),
  temperature: numberBetween(0, 2).nullish(),
  top_p: numberBetween(0, 1).nullish(),
  frequency_penalty: numberBetween(-2, 2).nullish(),
  presence_penalty: numberBetween(-2, 2).nullish(),
  stop: z.union([z.string(), z.array(z.string())], expecting("a string or an array of strings")).nullish(),
  /** The value is checked in parse.ts so an unknown effort gets `code: "unsupported_value"`. */
  reasoning_effort: z.string(expecting("a string such as 'low', 'medium' or 'high'")).nullish(),
  response_format: responseFormatSchema.nullish(),
  tools: z.array(toolSchema, expecting("an array of tools")).nullish(),
  functions: z.array(functionDefinitionSchema, expecting("an array of function definitions")).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  function_call: legacyFunctionChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean(expecting("a boolean")).nullish(),
  stream: z.boolean(expecting("a boolean")).nullish(),
  stream_options: z
    .looseObject({ include_usage: z.boolean(expecting("a boolean")).nullish() }, expecting("an object"))
    .nullish(),
});

export type ChatRequestBody = z.infer<typeof chatRequestSchema>;
export type ChatMessageBody = z.infer<typeof messageSchema>;
export type MessageContentBody = z.infer<typeof messageContentSchema>;
export type HistoryToolCallBody = z.infer<typeof historyToolCallSchema>;
export type FunctionDefinitionBody = z.infer<typeof functionDefinitionSchema>;
