// `tools`/`tool_choice` (and their legacy `functions`/`function_call` forms,
// B.7 #43) → the tool definitions and choice a turn offers the model.
import { badRequest } from "../../core/gateway-error.js";
import type { ToolChoice, ToolDefinition } from "../../core/turn.js";
import type { RequestLimits } from "../../core/request-limits.js";
import { checkTool, checkToolCount } from "../shared/request-guard.js";
import type { ChatRequestBody, FunctionDefinitionBody } from "./schema.js";

/** Each tool is checked against `limits` (name shape, description and schema size) where the client wrote it. */
export function toToolDefinitions(body: ChatRequestBody, limits: RequestLimits): ToolDefinition[] {
  if (body.tools) {
    checkToolCount(body.tools.length, "tools", limits);
    return body.tools.map((tool, i) => checked(tool.function, `tools[${i}].function`, limits));
  }
  const functions = body.functions ?? [];
  checkToolCount(functions.length, "functions", limits);
  return functions.map((fn, i) => checked(fn, `functions[${i}]`, limits));
}

function checked(fn: FunctionDefinitionBody, at: string, limits: RequestLimits): ToolDefinition {
  checkTool(fn, { name: `${at}.name`, description: `${at}.description`, parameters: `${at}.parameters` }, limits);
  return toToolDefinition(fn);
}

/**
 * A choice the gateway cannot honour is a 400 rather than silently ignored
 * (B.3 #22): naming an undeclared function, or requiring a call with no tools.
 */
export function toToolChoice(body: ChatRequestBody, tools: readonly ToolDefinition[]): ToolChoice {
  const { tool_choice: choice, function_call: legacyChoice } = body;
  if (choice !== null && choice !== undefined) {
    const named = typeof choice === "string" ? choice : { name: choice.function.name };
    return checkChoice(named, { param: "tool_choice", toolsParam: "tools", keywords: ["none", "auto", "required"] }, tools);
  }
  if (legacyChoice !== null && legacyChoice !== undefined) {
    const named = typeof legacyChoice === "string" ? legacyChoice : { name: legacyChoice.name };
    return checkChoice(named, { param: "function_call", toolsParam: "functions", keywords: ["none", "auto"] }, tools);
  }
  return "auto";
}

interface ChoiceField {
  param: string;
  toolsParam: string;
  keywords: readonly string[];
}

function checkChoice(choice: string | { name: string }, field: ChoiceField, tools: readonly ToolDefinition[]): ToolChoice {
  const { param, toolsParam, keywords } = field;
  if (typeof choice === "string") {
    if (!keywords.includes(choice)) {
      throw badRequest(
        `Invalid '${param}': expected ${keywords.map((value) => `'${value}'`).join(", ")} or a named function, got ${JSON.stringify(choice)}.`,
        param,
        "invalid_value",
      );
    }
    if (choice === "required" && tools.length === 0) {
      throw badRequest(`Invalid '${param}': 'required' needs at least one tool in '${toolsParam}'.`, param, "invalid_value");
    }
    return choice as ToolChoice;
  }
  if (!tools.some((tool) => tool.name === choice.name)) {
    throw badRequest(
      `Invalid '${param}': no function named ${JSON.stringify(choice.name)} was declared in '${toolsParam}'.`,
      param,
      "invalid_value",
    );
  }
  return { name: choice.name };
}

/** `strict` is accepted and dropped (B.7 #42): the runtime takes the schema as given. */
function toToolDefinition(fn: FunctionDefinitionBody): ToolDefinition {
  const definition: ToolDefinition = { name: fn.name };
  if (fn.description !== null && fn.description !== undefined) definition.description = fn.description;
  if (fn.parameters !== null && fn.parameters !== undefined) definition.parameters = fn.parameters;
  return definition;
}
