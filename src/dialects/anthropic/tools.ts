// `tools` / `tool_choice` → the tool definitions and choice a turn offers the model.
import { badRequest } from "../../core/gateway-error.js";
import type { ToolChoice, ToolDefinition } from "../../core/turn.js";
import type { RequestLimits } from "../../core/request-limits.js";
import { checkTool, checkToolCount } from "../shared/request-guard.js";
import type { MessagesRequestBody, ToolBody } from "./schema.js";

/**
 * Client tools only. Server tools (`web_search_…`, `bash_…`, `text_editor_…`,
 * `code_execution_…`) run on Anthropic's side; the gateway cannot run them, so
 * they are a 400 rather than a tool the model is offered and nobody answers.
 */
export function toToolDefinitions(tools: MessagesRequestBody["tools"], limits: RequestLimits): ToolDefinition[] {
  checkToolCount(tools?.length ?? 0, "tools", limits);
  return (tools ?? []).map((tool, i) => {
    if (tool.type !== null && tool.type !== undefined && tool.type !== "custom") {
      throw badRequest(
        `Invalid 'tools[${i}].type': server tools such as '${tool.type}' are not supported by this gateway; declare client tools with {"name", "description", "input_schema"}.`,
        `tools[${i}].type`,
        "unsupported_value",
      );
    }
    checkTool({ ...tool, parameters: tool.input_schema }, { name: `tools[${i}].name`, description: `tools[${i}].description`, parameters: `tools[${i}].input_schema` }, limits);
    return toToolDefinition(tool);
  });
}

function toToolDefinition(tool: ToolBody): ToolDefinition {
  const definition: ToolDefinition = { name: tool.name };
  if (tool.description !== null && tool.description !== undefined) definition.description = tool.description;
  if (tool.input_schema !== null && tool.input_schema !== undefined) definition.parameters = tool.input_schema;
  return definition;
}

export interface ToolChoiceSettings {
  toolChoice: ToolChoice;
  /** False when `disable_parallel_tool_use` is set: at most one tool_use block per answer. */
  parallelToolCalls: boolean;
}

/**
 * `auto` → "auto", `any` → "required", `tool` → that tool, `none` → "none".
 * A choice the gateway cannot honour is a 400 rather than silently ignored
 * (B.3 #22): naming an undeclared tool, or requiring a call with no tools.
 */
export function toToolChoice(choice: MessagesRequestBody["tool_choice"], tools: readonly ToolDefinition[]): ToolChoiceSettings {
  if (choice === null || choice === undefined) return { toolChoice: "auto", parallelToolCalls: true };
  const parallelToolCalls = !("disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use === true);
  switch (choice.type) {
    case "auto":
      return { toolChoice: "auto", parallelToolCalls };
    case "none":
      return { toolChoice: "none", parallelToolCalls };
    case "any":
      if (tools.length === 0) {
        throw badRequest("Invalid 'tool_choice.type': 'any' needs at least one tool in 'tools'.", "tool_choice.type", "invalid_value");
      }
      return { toolChoice: "required", parallelToolCalls };
    case "tool":
      if (!tools.some((tool) => tool.name === choice.name)) {
        throw badRequest(
          `Invalid 'tool_choice.name': no tool named ${JSON.stringify(choice.name)} was declared in 'tools'.`,
          "tool_choice.name",
          "invalid_value",
        );
      }
      return { toolChoice: { name: choice.name }, parallelToolCalls };
  }
}
