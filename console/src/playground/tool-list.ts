// The tools the playground offers the model: an editable JSON list in the
// Chat Completions `tools` format. The page never runs a tool; the user types
// each result, as a client's own code would return it.
import type { ToolDefinition } from "../api/chat-types.js";

export const DEFAULT_TOOLS_TEXT = JSON.stringify(
  [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "The current weather in a city.",
        parameters: { type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"] },
      },
    },
  ],
  null,
  2,
);

export type ParsedTools = { tools: ToolDefinition[]; error?: undefined } | { tools?: undefined; error: string };

export function parseTools(text: string): ParsedTools {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `The tool list is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!Array.isArray(value)) return { error: "The tool list must be a JSON array of tools." };
  for (const [index, tool] of value.entries()) {
    const name = (tool as ToolDefinition | null)?.function?.name;
    if ((tool as ToolDefinition | null)?.type !== "function" || typeof name !== "string" || name === "") {
      return { error: `Tool ${index + 1} needs "type": "function" and a function.name.` };
    }
  }
  return { tools: value as ToolDefinition[] };
}
