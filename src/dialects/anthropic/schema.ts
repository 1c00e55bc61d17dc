// The Anthropic Messages request body, as far as the gateway reads it.
//
// Lenient by construction (contract B.13 #71): every object is a `looseObject`,
// so unknown keys anywhere (`cache_control`, `citations`, `metadata`,
// `container`, `context_management`, whatever a new `anthropic-beta` adds) pass
// through untouched, and fields the gateway does not use (`temperature`,
// `top_p`, `top_k`, `metadata`, `service_tier`) are not declared at all, so no
// value of theirs can fail. Only fields the gateway acts on are checked.
//
// Every schema carries an "expected …" message; the shared `issue-to-error.ts`
// prefixes it with the parameter path (`messages[2].content[1]`).
import { z } from "zod";
import { mcpServerSchema } from "./mcp-servers.js";

/** Zod 4 applies a schema's `error` to its checks too (`.min`, `.int`), so one message covers each field. */
const expecting = (what: string) => ({ error: `expected ${what}` });

const positiveInteger = () => z.number(expecting("a positive integer")).int().positive();

const jsonObject = (what: string) => z.record(z.string(), z.unknown(), expecting(what));

// ---- content blocks ------------------------------------------------------

/**
 * Only the envelope of a block is checked here; `content.ts` maps each block
 * type with its own rules and its own "not supported" messages.
 */
export const blockEnvelopeSchema = z.looseObject(
  { type: z.string(expecting("a string naming the block type, such as 'text' or 'tool_result'")) },
  expecting("a content block object such as {\"type\":\"text\",\"text\":\"…\"}"),
);

export const contentSchema = z.union(
  [z.string(), z.array(blockEnvelopeSchema)],
  expecting("a string or an array of content blocks"),
);

export const textBlockSchema = z.looseObject({
  type: z.literal("text"),
  text: z.string(expecting("a string")),
});

export const imageBlockSchema = z.looseObject({
  type: z.literal("image"),
  source: z.looseObject(
    { type: z.string(expecting("'base64'")) },
    expecting("an object {\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"…\"}"),
  ),
});

export const base64SourceSchema = z.looseObject({
  type: z.literal("base64"),
  media_type: z.string(expecting("an image media type such as 'image/png'")).regex(/^image\/[\w.+-]+$/i),
  data: z.string(expecting("base64 data")).min(1),
});

/** Plain-text documents only: they are text the gateway can pass on; PDFs and files are not. */
export const textDocumentBlockSchema = z.looseObject({
  type: z.literal("document"),
  source: z.looseObject(
    {
      type: z.literal("text", expecting("'text': only plain-text documents are supported by this gateway, not PDFs or files")),
      data: z.string(expecting("a string")),
    },
    expecting("an object {\"type\":\"text\",\"media_type\":\"text/plain\",\"data\":\"…\"}"),
  ),
});

export const toolUseBlockSchema = z.looseObject({
  type: z.literal("tool_use"),
  id: z.string(expecting("a non-empty string")).min(1),
  name: z.string(expecting("a non-empty string")).min(1),
  // An object per the spec; a client that echoes the JSON string back is tolerated.
  input: z.union([z.record(z.string(), z.unknown()), z.string()], expecting("an object")).nullish(),
});

export const toolResultBlockSchema = z.looseObject({
  type: z.literal("tool_result"),
  tool_use_id: z.string(expecting("the id of the tool_use block this result answers")).min(1),
  content: contentSchema.nullish(),
  is_error: z.boolean(expecting("a boolean")).nullish(),
});

// ---- messages ------------------------------------------------------------

export const messageSchema = z.looseObject(
  {
    // `system` is the newer in-conversation system message of the Messages API.
    role: z.enum(["user", "assistant", "system"], expecting("'user' or 'assistant'")),
    // Required by Anthropic; an absent one is read as empty rather than refused.
    content: contentSchema.nullish(),
  },
  expecting("a message object such as {\"role\":\"user\",\"content\":\"…\"}"),
);

export const systemSchema = z.union(
  [z.string(), z.array(blockEnvelopeSchema)],
  expecting("a string or an array of text blocks"),
);

// ---- tools ---------------------------------------------------------------

export const toolSchema = z.looseObject(
  {
    /** Absent or "custom" for a client tool, "mcp_toolset" for an MCP server's; anything else is a server tool (web_search_…, bash_…), checked in tools.ts. */
    type: z.string(expecting("a string")).nullish(),
    /** Required of a client tool (tools.ts); an `mcp_toolset` has none. */
    name: z.string(expecting("a non-empty string")).min(1).nullish(),
    description: z.string(expecting("a string")).nullish(),
    input_schema: jsonObject("a JSON Schema object").nullish(),
  },
  expecting("a tool object {\"name\", \"description\"?, \"input_schema\"}"),
);

const parallelFlag = { disable_parallel_tool_use: z.boolean(expecting("a boolean")).nullish() };

export const toolChoiceSchema = z.discriminatedUnion(
  "type",
  [
    z.looseObject({ type: z.literal("auto"), ...parallelFlag }),
    z.looseObject({ type: z.literal("any"), ...parallelFlag }),
    z.looseObject({ type: z.literal("tool"), name: z.string(expecting("a non-empty string")).min(1), ...parallelFlag }),
    z.looseObject({ type: z.literal("none") }),
  ],
  {
    error: (issue) =>
      issue.code === "invalid_union"
        ? "expected 'auto', 'any', 'tool' or 'none'"
        : "expected an object {\"type\":\"auto\"|\"any\"|\"tool\"|\"none\"}",
  },
);

// ---- thinking and effort ---------------------------------------------------

/** `enabled` needs `budget_tokens` (checked in reasoning.ts); `disabled`, `adaptive` and newer types are accepted. */
export const thinkingSchema = z.looseObject(
  {
    type: z.string(expecting("'enabled', 'disabled' or 'adaptive'")),
    budget_tokens: positiveInteger().nullish(),
    display: z.string(expecting("a string")).nullish(),
  },
  expecting("an object {\"type\":\"enabled\",\"budget_tokens\":…}"),
);

export const outputConfigSchema = z.looseObject(
  {
    /** The value is checked in reasoning.ts so an unknown effort gets a message listing the known ones. */
    effort: z.string(expecting("a string such as 'low', 'medium' or 'high'")).nullish(),
    format: z
      .looseObject(
        { type: z.literal("json_schema", expecting("'json_schema'")), schema: jsonObject("a JSON Schema object") },
        expecting("an object {\"type\":\"json_schema\",\"schema\":{…}}"),
      )
      .nullish(),
  },
  expecting("an object"),
);

// ---- the body ------------------------------------------------------------

/** Key order is the order errors are reported in: the most basic first. */
export const messagesRequestSchema = z.looseObject({
  model: z.string(expecting("a non-empty string naming the model")).min(1),
  messages: z.array(messageSchema, expecting("a non-empty array of messages")).min(1),
  // Required by Anthropic (not by count_tokens); absent means the model's own limit.
  max_tokens: positiveInteger().nullish(),
  system: systemSchema.nullish(),
  stop_sequences: z.array(z.string(expecting("a string")), expecting("an array of strings")).nullish(),
  stream: z.boolean(expecting("a boolean")).nullish(),
  tools: z.array(toolSchema, expecting("an array of tools")).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  /** The MCP connector's servers (mcp-servers.ts). */
  mcp_servers: z.array(mcpServerSchema, expecting("an array of MCP servers")).nullish(),
  thinking: thinkingSchema.nullish(),
  output_config: outputConfigSchema.nullish(),
});

export type MessagesRequestBody = z.infer<typeof messagesRequestSchema>;
export type MessageBody = z.infer<typeof messageSchema>;
export type ContentBody = z.infer<typeof contentSchema>;
export type BlockBody = z.infer<typeof blockEnvelopeSchema>;
export type ToolBody = z.infer<typeof toolSchema>;
