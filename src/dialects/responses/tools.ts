// `tools` and `tool_choice` → the tool definitions and choice a turn offers the
// model. Only tools the client runs itself can be offered: `function` tools,
// and `custom` (freeform) tools mapped onto functions (custom-tools.ts).
// Hosted tools (web search, file search, code interpreter, computer use,
// MCP, image generation, local shell…) run on OpenAI's side; silently
// dropping one would leave the model without a tool the client believes it
// has, so each is a 400 naming it.
import { badRequest } from "../../http/errors.js";
import type { ToolChoice, ToolDefinition } from "../../turns/events.js";
import { formatParam } from "../shared/issue-to-error.js";
import { validate } from "./content.js";
import { customToolDefinition } from "./custom-tools.js";
import { customToolSchema, functionToolSchema, nestedFunctionToolSchema, type ResponsesRequestBody, type ToolEnvelope } from "./schema.js";

/** A function tool as the response object echoes it (openai-node's `FunctionTool`). */
export interface EchoedFunctionTool {
  type: "function";
  name: string;
  description: string | null;
  parameters: Record<string, unknown> | null;
  strict: boolean | null;
}

/** A custom tool as the response object echoes it (openai-node's `CustomTool`). */
export interface EchoedCustomTool {
  type: "custom";
  name: string;
  description?: string;
  format?: Record<string, unknown>;
}

export type EchoedTool = EchoedFunctionTool | EchoedCustomTool;

export interface ParsedTools {
  definitions: ToolDefinition[];
  echoed: EchoedTool[];
  /** Names of the custom tools: their calls go back to the client as `custom_tool_call` items. */
  custom: Set<string>;
}

export function toTools(tools: readonly ToolEnvelope[] | null | undefined): ParsedTools {
  const parsed: ParsedTools = { definitions: [], echoed: [], custom: new Set() };
  (tools ?? []).forEach((tool, i) => {
    const path = ["tools", i];
    if (tool.type === "custom") {
      const custom = validate(customToolSchema, tool, path);
      parsed.definitions.push(customToolDefinition(custom));
      parsed.custom.add(custom.name);
      parsed.echoed.push({
        type: "custom",
        name: custom.name,
        ...(custom.description ? { description: custom.description } : {}),
        ...(custom.format ? { format: custom.format } : {}),
      });
      return;
    }
    const fn = functionOf(tool, path);
    const definition: ToolDefinition = { name: fn.name };
    if (fn.description !== null && fn.description !== undefined) definition.description = fn.description;
    if (fn.parameters !== null && fn.parameters !== undefined) definition.parameters = fn.parameters;
    parsed.definitions.push(definition);
    // `strict` is accepted and echoed; the runtime takes the schema as given (B.7 #42).
    parsed.echoed.push({ type: "function", name: fn.name, description: fn.description ?? null, parameters: fn.parameters ?? null, strict: fn.strict ?? null });
  });
  return parsed;
}

function functionOf(tool: ToolEnvelope, path: (string | number)[]) {
  if (tool.type !== "function") throw unsupportedTool(tool.type, path);
  // The chat form `{type:"function", function:{…}}` is accepted too: some clients reuse their chat tool lists.
  if (tool.name === undefined && typeof tool.function === "object" && tool.function !== null) {
    return validate(nestedFunctionToolSchema, tool, path).function;
  }
  return validate(functionToolSchema, tool, path);
}

function unsupportedTool(type: string, path: (string | number)[]) {
  const param = formatParam([...path, "type"]);
  // Codex sends a hosted `web_search` tool unless its config says `web_search = "disabled"`.
  const hint = type.startsWith("web_search") ? ' (Codex CLI: set web_search = "disabled" in config.toml)' : "";
  return badRequest(
    `Invalid '${param}': tools of type '${type}' are not supported by this gateway; only 'function' and 'custom' tools, which the client runs itself, can be offered to the model. Remove this tool${hint}.`,
    param,
    "unsupported_value",
  );
}

/**
 * A choice the gateway cannot honour is a 400 rather than silently ignored
 * (B.3 #22): a hosted or `allowed_tools` choice, naming an undeclared tool,
 * or requiring a call with no tools.
 */
export function toToolChoice(choice: ResponsesRequestBody["tool_choice"], tools: readonly ToolDefinition[]): ToolChoice {
  if (choice === null || choice === undefined) return "auto";
  const param = "tool_choice";
  if (typeof choice === "string") {
    if (choice !== "auto" && choice !== "none" && choice !== "required") {
      throw badRequest(`Invalid '${param}': expected 'none', 'auto', 'required' or a named function, got ${JSON.stringify(choice)}.`, param, "invalid_value");
    }
    if (choice === "required" && tools.length === 0) {
      throw badRequest(`Invalid '${param}': 'required' needs at least one tool in 'tools'.`, param, "invalid_value");
    }
    return choice;
  }
  if (choice.type !== "function" && choice.type !== "custom") {
    throw badRequest(
      `Invalid '${param}.type': tool choices of type '${choice.type}' are not supported by this gateway; use 'none', 'auto', 'required' or {"type":"function","name":…}.`,
      "tool_choice.type",
      "unsupported_value",
    );
  }
  const name = choice.name;
  if (!name || !tools.some((tool) => tool.name === name)) {
    throw badRequest(`Invalid '${param}.name': no tool named ${JSON.stringify(name ?? "")} was declared in 'tools'.`, "tool_choice.name", "invalid_value");
  }
  return { name };
}
