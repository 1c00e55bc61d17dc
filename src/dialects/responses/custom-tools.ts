// Custom ("freeform") tools: `{type:"custom", name, description, format}`,
// whose input is raw text rather than JSON arguments. Codex offers its
// `apply_patch` tool this way (with a Lark grammar) to every model it has no
// built-in profile for, which includes every Copilot model id, so refusing
// them would refuse Codex.
//
// The Copilot runtime only knows JSON-schema tools, so a custom tool is
// offered as a function with one string argument, `input`; the call comes
// back to the client as a `custom_tool_call` with that string as its `input`,
// and replayed history maps back the same way. The grammar cannot be enforced
// upstream: it is shown to the model in the description instead.
import type { ToolDefinition } from "../../core/turn.js";

export interface CustomToolBody {
  name: string;
  description?: string | null | undefined;
  format?: { type?: string; syntax?: string; definition?: string } | null | undefined;
}

export function customToolDefinition(tool: CustomToolBody): ToolDefinition {
  const format = tool.format;
  const grammar =
    format?.type === "grammar" && typeof format.definition === "string"
      ? `The input must match this ${format.syntax ?? ""} grammar:\n${format.definition}`
      : undefined;
  const description = [tool.description ?? "", "Pass the tool's raw input text as the `input` string argument.", grammar]
    .filter((part): part is string => Boolean(part))
    .join("\n\n");
  return {
    name: tool.name,
    description,
    parameters: {
      type: "object",
      properties: { input: { type: "string", description: "The raw input text for the tool." } },
      required: ["input"],
      additionalProperties: false,
    },
  };
}

/** The call's arguments (`{"input":"…"}`) → the raw input; arguments of any other shape are passed on as they are. */
export function inputFromArguments(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      const input = (parsed as { input?: unknown }).input;
      if (typeof input === "string") return input;
      // A call with no arguments at all has an empty input.
      if (Object.keys(parsed).length === 0) return "";
    }
  } catch {
    // Not JSON: the model wrote the input directly.
  }
  return args;
}

/** A replayed `custom_tool_call`'s input → the arguments of the function the model was offered. */
export function argumentsFromInput(input: string): string {
  return JSON.stringify({ input });
}
