// `tools` and `tool_choice` → the tool definitions and choice a turn offers the
// model, and the MCP servers (`mcp` tools) whose tools the gateway's runtime
// runs (mcp-tools.ts). Otherwise only tools the client runs itself can be
// offered: `function` tools, `custom` (freeform) tools mapped onto functions
// (custom-tools.ts), `namespace` groups of those (tool-routes.ts), and a
// client-executed `tool_search`, whose results load more of them. Hosted
// tools (web search, file search, code interpreter, computer use, image
// generation, local shell…) run on OpenAI's side; silently
// dropping one would leave the model without a tool the client believes it
// has, so each is a 400 naming it.
import { badRequest } from "../../core/gateway-error.js";
import type { RequestedServer, ToolChoice, ToolDefinition } from "../../core/turn.js";
import { formatParam } from "../shared/issue-to-error.js";
import { DEFAULT_LIMITS, type RequestLimits } from "../../core/request-limits.js";
import { checkTool, checkToolCount, checkToolName } from "../shared/request-guard.js";
import { validate } from "./content.js";
import { customToolDefinition } from "./custom-tools.js";
import { customToolSchema, functionToolSchema, namespaceToolSchema, nestedFunctionToolSchema, toolSearchToolSchema, type ResponsesRequestBody, type ToolEnvelope } from "./schema.js";
import { toRequestedServer, type EchoedMcpTool } from "./mcp-tools.js";
import { ToolRoutes } from "./tool-routes.js";

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

/** A namespace as the response object echoes it (the spec's `NamespaceToolParam`). */
export interface EchoedNamespaceTool {
  type: "namespace";
  name: string;
  description: string;
  tools: Array<EchoedFunctionTool | EchoedCustomTool>;
}

/** A client-executed tool search as the response object echoes it (the spec's `ToolSearchToolParam`). */
export interface EchoedToolSearch {
  type: "tool_search";
  execution: "client";
  description: string | null;
  parameters: Record<string, unknown> | null;
}

export type EchoedTool = EchoedFunctionTool | EchoedCustomTool | EchoedNamespaceTool | EchoedToolSearch | EchoedMcpTool;

/**
 * Codex offers a tool search (with `execution: "client"`) to models it knows:
 * the model searches, Codex answers with the tools it found (a
 * `tool_search_output` item), and those become callable. Offered to the model
 * as a function of this name, with the client's description and parameters.
 */
const TOOL_SEARCH = "tool_search";
const DEFAULT_SEARCH_PARAMETERS = { type: "object", properties: { query: { type: "string" } }, required: ["query"] };

export interface ParsedTools {
  /** What the model is offered, under the names `routes` gives them. */
  definitions: ToolDefinition[];
  echoed: EchoedTool[];
  routes: ToolRoutes;
  /** The MCP servers the request's `mcp` tools name: the runtime runs their tools. */
  servers: RequestedServer[];
  /** Every tool added is checked against these (name shape, description and schema size, how many). */
  limits: RequestLimits;
}

export function toTools(tools: readonly ToolEnvelope[] | null | undefined, limits: RequestLimits = DEFAULT_LIMITS): ParsedTools {
  const parsed: ParsedTools = { definitions: [], echoed: [], routes: new ToolRoutes(), servers: [], limits };
  parsed.echoed.push(...addTools(parsed, tools ?? [], ["tools"]));
  return parsed;
}

/**
 * Offers more tools: the request's own, or those a client's tool search
 * loaded (`tool_search_output` items). A tool already offered is not offered
 * again. Returns how the response echoes them.
 */
export function addTools(parsed: ParsedTools, tools: readonly ToolEnvelope[], at: (string | number)[]): EchoedTool[] {
  const echoed: EchoedTool[] = [];
  checkToolCount(tools.length, formatParam(at) ?? "tools", parsed.limits);
  const list = tools.map((tool, i) => ({ tool, path: [...at, i] }));
  // Top-level tools first, so they keep their own names whatever the namespaces hold.
  for (const { tool, path } of list) {
    if (tool.type === "namespace") continue;
    if (tool.type === "mcp") {
      echoed.push(addServer(parsed, tool, path));
      continue;
    }
    const added = tool.type === "tool_search" ? addToolSearch(parsed, tool, path) : addTool(parsed, tool, path, undefined);
    if (added) echoed.push(added);
  }
  for (const { tool, path } of list) {
    if (tool.type !== "namespace") continue;
    // Cheap before the members are walked: thousands of tools are refused at once.
    checkToolCount(parsed.definitions.length + (Array.isArray(tool.tools) ? tool.tools.length : 0), formatParam(at) ?? "tools", parsed.limits);
    const namespace = validate(namespaceToolSchema, tool, path);
    // Offered as `<namespace>__<name>`: the namespace must be a valid part of a tool name.
    checkToolName(namespace.name, formatParam([...path, "name"])!);
    const members = namespace.tools.flatMap((member, j) => {
      if (member.type !== "function" && member.type !== "custom") throw unsupportedTool(member.type, [...path, "tools", j], "namespace");
      return addTool(parsed, member, [...path, "tools", j], namespace.name) ?? [];
    });
    echoed.push({ type: "namespace", name: namespace.name, description: namespace.description ?? "", tools: members });
  }
  // Counted once offered, so namespace members and a tool search's results count too.
  checkToolCount(parsed.definitions.length, formatParam(at) ?? "tools", parsed.limits);
  return echoed;
}

/** An `mcp` tool: a server the runtime runs, not a tool the client runs (only at the top level of `tools`). */
function addServer(parsed: ParsedTools, tool: ToolEnvelope, path: (string | number)[]): EchoedMcpTool {
  if (path.length !== 2) throw unsupportedTool("mcp' tools here (only in the request's 'tools'", path);
  const { server, echoed } = toRequestedServer(tool, path);
  if (parsed.servers.some((other) => other.label === server.label)) {
    throw badRequest(`Invalid '${server.param}.server_label': another 'mcp' tool has the label '${server.label}'.`, `${server.param}.server_label`, "invalid_value");
  }
  parsed.servers.push(server);
  return echoed;
}

function addToolSearch(parsed: ParsedTools, tool: ToolEnvelope, path: (string | number)[]): EchoedToolSearch | undefined {
  const search = validate(toolSearchToolSchema, tool, path);
  checkTool({ name: TOOL_SEARCH, ...search }, toolParams(path), parsed.limits);
  // A search OpenAI runs over tools it hosts cannot run here.
  if (search.execution !== "client") throw unsupportedTool(`tool_search' with execution '${search.execution ?? "server"}`, path);
  if (parsed.routes.has(TOOL_SEARCH)) return undefined;
  const name = parsed.routes.offer({ name: TOOL_SEARCH, kind: "tool_search" });
  const definition: ToolDefinition = { name, parameters: search.parameters ?? DEFAULT_SEARCH_PARAMETERS };
  if (search.description) definition.description = search.description;
  parsed.definitions.push(definition);
  return { type: "tool_search", execution: "client", description: search.description ?? null, parameters: search.parameters ?? null };
}

/** Offers one function or custom tool (of a namespace, or not) and returns how the response echoes it; undefined when it is offered already. */
function addTool(parsed: ParsedTools, tool: ToolEnvelope, path: (string | number)[], namespace: string | undefined): EchoedFunctionTool | EchoedCustomTool | undefined {
  if (tool.type === "custom") {
    const custom = validate(customToolSchema, tool, path);
    // The grammar reaches the model inside the description, so it counts towards it.
    const described = customToolDefinition(custom).description;
    checkTool({ name: custom.name, description: described }, toolParams(path), parsed.limits);
    if (parsed.routes.has(custom.name, namespace)) return undefined;
    const offered = parsed.routes.offer({ name: custom.name, kind: "custom", ...(namespace ? { namespace } : {}) });
    parsed.definitions.push({ ...customToolDefinition(custom), name: offered });
    return {
      type: "custom",
      name: custom.name,
      ...(custom.description ? { description: custom.description } : {}),
      ...(custom.format ? { format: custom.format } : {}),
    };
  }
  const fn = functionOf(tool, path);
  checkTool(fn, toolParams(tool.name === undefined && typeof tool.function === "object" ? [...path, "function"] : path), parsed.limits);
  if (parsed.routes.has(fn.name, namespace)) return undefined;
  const definition: ToolDefinition = { name: parsed.routes.offer({ name: fn.name, kind: "function", ...(namespace ? { namespace } : {}) }) };
  const description = [namespace ? `(In the '${namespace}' namespace.)` : "", fn.description ?? ""].filter(Boolean).join(" ");
  if (description) definition.description = description;
  if (fn.parameters !== null && fn.parameters !== undefined) definition.parameters = fn.parameters;
  parsed.definitions.push(definition);
  // `strict` is accepted and echoed; the runtime takes the schema as given (B.7 #42).
  return { type: "function", name: fn.name, description: fn.description ?? null, parameters: fn.parameters ?? null, strict: fn.strict ?? null };
}

function toolParams(path: (string | number)[]) {
  const at = (key: string) => formatParam([...path, key])!;
  return { name: at("name"), description: at("description"), parameters: at("parameters") };
}

function functionOf(tool: ToolEnvelope, path: (string | number)[]) {
  if (tool.type !== "function") throw unsupportedTool(tool.type, path);
  // The chat form `{type:"function", function:{…}}` is accepted too: some clients reuse their chat tool lists.
  if (tool.name === undefined && typeof tool.function === "object" && tool.function !== null) {
    return validate(nestedFunctionToolSchema, tool, path).function;
  }
  return validate(functionToolSchema, tool, path);
}

function unsupportedTool(type: string, path: (string | number)[], inside?: "namespace") {
  const param = formatParam([...path, "type"]);
  // Codex sends a hosted `web_search` tool unless its config says `web_search = "disabled"`.
  const hint = type.startsWith("web_search") ? ' (Codex CLI: set web_search = "disabled" in config.toml)' : "";
  const offerable =
    inside === "namespace"
      ? "only 'function' and 'custom' tools can be members of a namespace"
      : "only 'function', 'custom' and 'namespace' tools and a 'tool_search' with execution 'client', which the client runs itself, and 'mcp' servers the gateway runs can be offered to the model";
  return badRequest(
    `Invalid '${param}': tools of type '${type}' are not supported by this gateway; ${offerable}. Remove this tool${hint}.`,
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
