// `tools` / `tool_choice` → the tool definitions and choice a turn offers the model.
import { badRequest } from "../../core/gateway-error.js";
import type { ToolChoice, ToolDefinition } from "../../core/turn.js";
import type { RequestLimits } from "../../core/request-limits.js";
import { checkTool, checkToolCount } from "../shared/request-guard.js";
import { mcpToolsetSchema, type McpToolsetBody } from "./mcp-servers.js";
import type { MessagesRequestBody, ToolBody } from "./schema.js";

/**
 * Client tools only. Server tools (`web_search_…`, `bash_…`, `text_editor_…`,
 * `code_execution_…`) run on Anthropic's side; the gateway cannot run them, so
 * they are a 400 rather than a tool the model is offered and nobody answers.
 */
export function toToolDefinitions(tools: MessagesRequestBody["tools"], limits: RequestLimits): ParsedTools {
  checkToolCount(tools?.length ?? 0, "tools", limits);
  const toolsets = new Map<number, McpToolsetBody>();
  const definitions = (tools ?? []).flatMap((tool, i) => {
    // An MCP server's tools, run by the gateway's runtime (mcp-servers.ts).
    if (tool.type === "mcp_toolset") {
      toolsets.set(i, validateToolset(tool, i));
      return [];
    }
    if (tool.type !== null && tool.type !== undefined && tool.type !== "custom") {
      throw badRequest(
        `Invalid 'tools[${i}].type': server tools such as '${tool.type}' are not supported by this gateway; declare client tools with {"name", "description", "input_schema"}.`,
        `tools[${i}].type`,
        "unsupported_value",
      );
    }
    if (typeof tool.name !== "string") throw badRequest(`Invalid 'tools[${i}].name': expected a non-empty string.`, `tools[${i}].name`, "invalid_type");
    checkTool({ ...tool, name: tool.name, parameters: tool.input_schema }, { name: `tools[${i}].name`, description: `tools[${i}].description`, parameters: `tools[${i}].input_schema` }, limits);
    return [toToolDefinition(tool, tool.name)];
  });
  return { definitions, toolsets };
}

export interface ParsedTools {
  definitions: ToolDefinition[];
  /** The request's `mcp_toolset`s, by their index in `tools`. */
  toolsets: Map<number, McpToolsetBody>;
}

function validateToolset(tool: ToolBody, i: number): McpToolsetBody {
  const result = mcpToolsetSchema.safeParse(tool);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = [`tools[${i}]`, ...issue.path.map(String)].join(".");
  throw badRequest(`Invalid '${param}': ${issue.message}.`, param, "invalid_value");
}

function toToolDefinition(tool: ToolBody, name: string): ToolDefinition {
  const definition: ToolDefinition = { name };
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
