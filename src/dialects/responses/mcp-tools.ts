// The Responses API's remote MCP, as far as a request carries it: `mcp` tools
// (a server by `server_label`, with `server_url` for a remote one), and the
// MCP items a client sends back. Whether the caller may use a server is the
// sessions layer's decision (it knows the operator's servers and the
// caller's grants); here the request is only read.
//
// Replayed `mcp_list_tools` and `mcp_call` items are not part of the
// dialogue: the session that ran the calls holds them natively, and a seeded
// one reads the answers that followed them. An `mcp_approval_request` joins
// the assistant turn it belongs to, and an `mcp_approval_response` is the
// client's decision on it.
import { badRequest } from "../../core/gateway-error.js";
import type { ApprovalRule, RequestedServer } from "../../core/turn.js";
import { z } from "zod";
import { formatParam } from "../shared/issue-to-error.js";
import { validate, type Path } from "./content.js";

const expecting = (what: string) => ({ error: `expected ${what}` });

/** An `mcp` tool as the response object echoes it (the spec's `MCPTool`), without its headers. */
export interface EchoedMcpTool {
  type: "mcp";
  server_label: string;
  server_url?: string;
  allowed_tools: string[] | null;
  require_approval: "always" | "never" | Record<string, unknown>;
  headers: null;
}

const toolFilterSchema = z.looseObject({
  tool_names: z.array(z.string(expecting("a tool name")), expecting("an array of tool names")).nullish(),
  read_only: z.boolean(expecting("a boolean")).nullish(),
});

const mcpToolSchema = z.looseObject({
  server_label: z.string(expecting("a non-empty string")).min(1),
  server_url: z.string(expecting("a URL string")).nullish(),
  connector_id: z.string(expecting("a string")).nullish(),
  authorization: z.string(expecting("a string")).nullish(),
  headers: z.record(z.string(), z.string(expecting("a string")), expecting("an object of header strings")).nullish(),
  allowed_tools: z.union([z.array(z.string(expecting("a tool name"))), toolFilterSchema], expecting("an array of tool names or {\"tool_names\": […]}")).nullish(),
  require_approval: z
    .union(
      [z.enum(["always", "never"]), z.looseObject({ always: toolFilterSchema.nullish(), never: toolFilterSchema.nullish() })],
      expecting("'always', 'never' or {\"always\"|\"never\": {\"tool_names\": […]}}"),
    )
    .nullish(),
});

export const mcpApprovalRequestItemSchema = z.looseObject({
  id: z.string(expecting("a non-empty string")).min(1),
  server_label: z.string(expecting("a string")),
  name: z.string(expecting("a string")),
  arguments: z.union([z.string(), z.record(z.string(), z.unknown())], expecting("a JSON string of the arguments")).nullish(),
});

export const mcpApprovalResponseItemSchema = z.looseObject({
  approval_request_id: z.string(expecting("a non-empty string")).min(1),
  approve: z.boolean(expecting("a boolean")),
  reason: z.string(expecting("a string")).nullish(),
});

const listToolsItemSchema = z.looseObject({ server_label: z.string(expecting("a string")) });

/** Names the runtime can carry as `<label>-<tool>`. */
const LABEL = /^[A-Za-z0-9_-]{1,64}$/;

/** One `mcp` tool of the request, read; `param` is where it sits (`tools[2]`). */
export function toRequestedServer(tool: unknown, path: Path): { server: RequestedServer; echoed: EchoedMcpTool } {
  const mcp = validate(mcpToolSchema, tool, path);
  const param = formatParam(path)!;
  if (!LABEL.test(mcp.server_label)) {
    throw badRequest(`Invalid '${param}.server_label': use 1 to 64 letters, digits, '_' or '-'.`, `${param}.server_label`, "invalid_value");
  }
  if (mcp.connector_id) {
    throw badRequest(`Invalid '${param}.connector_id': OpenAI's connectors are not served by this gateway; name a server the operator configured in 'server_label'.`, `${param}.connector_id`, "unsupported_value");
  }
  const headers: Record<string, string> = { ...(mcp.headers ?? {}) };
  if (mcp.authorization) headers.Authorization = `Bearer ${mcp.authorization}`;
  const allowedTools = Array.isArray(mcp.allowed_tools) ? mcp.allowed_tools : (mcp.allowed_tools?.tool_names ?? undefined);
  const server: RequestedServer = {
    param,
    labelField: "server_label",
    urlField: "server_url",
    label: mcp.server_label,
    ...(mcp.server_url ? { url: mcp.server_url } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(allowedTools ? { allowedTools } : {}),
    approval: approvalRule(mcp.require_approval),
    listed: false,
  };
  // Headers carry the client's credentials for the server: never echoed back.
  const echoed: EchoedMcpTool = {
    type: "mcp",
    server_label: mcp.server_label,
    ...(mcp.server_url ? { server_url: mcp.server_url } : {}),
    allowed_tools: allowedTools ?? null,
    require_approval: mcp.require_approval ?? "always",
    headers: null,
  };
  return { server, echoed };
}

/** OpenAI's default is to ask for every call. */
function approvalRule(setting: z.infer<typeof mcpToolSchema>["require_approval"]): ApprovalRule {
  if (setting === "never") return { default: "never", always: [], never: [] };
  if (setting === "always" || setting === null || setting === undefined) return { default: "always", always: [], never: [] };
  return { default: "always", always: setting.always?.tool_names ?? [], never: setting.never?.tool_names ?? [] };
}

/** The server label of a replayed `mcp_list_tools` item: that server need not be listed again. */
export function listedServerLabel(item: unknown, path: Path): string {
  return validate(listToolsItemSchema, item, path).server_label;
}

/** Where an item of one of these types is named in an error. */
export function mcpItemParam(path: Path): string {
  return formatParam([...path, "type"])!;
}
