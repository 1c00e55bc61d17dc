// What one request may ask of the Copilot runtime. The runtime takes some
// inputs badly: a lone UTF-16 surrogate or a schema nested ~125 levels deep
// and it never answers; a tool name outside [A-Za-z0-9_-] fails session
// creation; a 10 MB prompt cost it 32 CPU-seconds and ~900 MB. So the gateway
// refuses them first, with a 400 naming the field. The defaults are generous
// for every client seen (Claude Code, Codex, Continue, Cline, OpenHands);
// those a user may need to raise are settings (see the README's "Limits").

export interface RequestLimits {
  /** Nesting of any JSON value in a request body (objects and arrays); deeper is a 400 before anything recursive reads it. */
  maxJsonDepth: number;
  /** Nesting of a JSON Schema (tool parameters, response formats); the runtime hangs at ~125. */
  maxSchemaDepth: number;
  /** JSON text of one schema, in characters. */
  maxSchemaChars: number;
  /** Tools offered to the model in one request (namespace members and tool-search results included). */
  maxTools: number;
  /** One tool's description, in characters. */
  maxToolDescriptionChars: number;
  /** Every text the model would read (messages, system, instructions, tool calls and results, tool definitions), in characters. */
  maxPromptChars: number;
}

/** Providers (OpenAI, Anthropic) accept tool names of 1–64 of these characters; the runtime accepts no other characters. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A model name longer than this is no model's: refused without echoing it. */
export const MAX_MODEL_CHARS = 256;

export const DEFAULT_LIMITS: Readonly<RequestLimits> = Object.freeze({
  // Real requests nest well under 20 levels outside schemas; 128 leaves room for any schema the runtime takes.
  maxJsonDepth: 128,
  // Half the depth where the runtime stops answering, and deeper than any schema seen from a real client.
  maxSchemaDepth: 64,
  // Claude Code's and Codex's largest tool schemas are a few kB; MCP servers' rarely exceed 20 kB.
  maxSchemaChars: 100_000,
  // OpenAI accepts 128 tools; agents with many MCP servers send more.
  maxTools: 512,
  // Claude Code's longest tool description is ~15 kB.
  maxToolDescriptionChars: 100_000,
  // About 1M tokens, the largest context window served: 4 MB cost the runtime ~2 CPU-s and ~370 MB, 10 MB 32 CPU-s and ~900 MB.
  maxPromptChars: 4_000_000,
});
