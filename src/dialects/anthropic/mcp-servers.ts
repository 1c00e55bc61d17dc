// Anthropic's MCP connector (beta `mcp-client-2025-11-20`, and the older
// `mcp-client-2025-04-04` form): `mcp_servers` names the servers, each
// `mcp_toolset` in `tools` says which of a server's tools the model may use.
// A name the operator configured is that server (the `url` is not used);
// any other is a remote server by its `url`, which the sessions layer allows
// only under the operator's prefixes. The connector has no approvals: calls
// run as the model makes them. Whether the caller may use a server is the
// sessions layer's decision (tools/requested-servers.ts).
import { z } from "zod";
import { badRequest } from "../../core/gateway-error.js";
import type { RequestedServer } from "../../core/turn.js";

const expecting = (what: string) => ({ error: `expected ${what}` });

const toolConfigurationSchema = z.looseObject({
  enabled: z.boolean(expecting("a boolean")).nullish(),
  allowed_tools: z.array(z.string(expecting("a tool name")), expecting("an array of tool names")).nullish(),
});

export const mcpServerSchema = z.looseObject(
  {
    type: z.literal("url", expecting("'url'")).nullish(),
    name: z.string(expecting("a non-empty string")).min(1),
    url: z.string(expecting("a URL string")).nullish(),
    authorization_token: z.string(expecting("a string")).nullish(),
    tool_configuration: toolConfigurationSchema.nullish(),
  },
  expecting('an MCP server object {"type": "url", "name", "url"}'),
);

const enabledSchema = z.looseObject({ enabled: z.boolean(expecting("a boolean")).nullish() });

export const mcpToolsetSchema = z.looseObject({
  mcp_server_name: z.string(expecting("a non-empty string")).min(1),
  default_config: enabledSchema.nullish(),
  configs: z.record(z.string(), enabledSchema, expecting("an object of tool configurations by tool name")).nullish(),
});

export type McpServerBody = z.infer<typeof mcpServerSchema>;
export type McpToolsetBody = z.infer<typeof mcpToolsetSchema>;

/** Names the runtime can carry as `<name>-<tool>`. */
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The request's servers, with each toolset's choice of tools; `toolsets` by the index in `tools` they came from. */
export function toRequestedServers(servers: readonly McpServerBody[] | null | undefined, toolsets: ReadonlyMap<number, McpToolsetBody>): RequestedServer[] {
  const list = servers ?? [];
  const names = new Set<string>();
  const requested = list.map((server, i) => {
    const param = `mcp_servers[${i}]`;
    if (!NAME.test(server.name)) throw badRequest(`Invalid '${param}.name': use 1 to 64 letters, digits, '_' or '-'.`, `${param}.name`, "invalid_value");
    if (names.has(server.name)) throw badRequest(`Invalid '${param}.name': another MCP server has the name '${server.name}'.`, `${param}.name`, "invalid_value");
    names.add(server.name);
    return { server, param };
  });
  for (const [index, toolset] of toolsets) {
    if (!names.has(toolset.mcp_server_name)) {
      throw badRequest(`Invalid 'tools[${index}].mcp_server_name': no server named '${toolset.mcp_server_name}' is in 'mcp_servers'.`, `tools[${index}].mcp_server_name`, "invalid_value");
    }
  }
  const toolsetOf = new Map([...toolsets].map(([index, body]) => [body.mcp_server_name, { index, body }]));
  return requested.flatMap(({ server, param }) => {
    const allowedTools = allowedToolsOf(server, toolsetOf.get(server.name));
    if (allowedTools === "disabled") return [];
    return [
      {
        param,
        labelField: "name",
        urlField: "url",
        label: server.name,
        ...(server.url ? { url: server.url } : {}),
        ...(server.authorization_token ? { headers: { Authorization: `Bearer ${server.authorization_token}` } } : {}),
        ...(allowedTools ? { allowedTools } : {}),
        approval: { default: "never", always: [], never: [] },
        // The connector has no listing in its answers.
        listed: true,
      } satisfies RequestedServer,
    ];
  });
}

/**
 * The tools a server's toolset enables: all, or only those configured on
 * when the default is off; without a toolset, the older
 * `tool_configuration`. "disabled": the server is not used at all. The
 * runtime takes an allowlist, so a toolset that turns single tools off
 * (a blocklist) is a 400 that says how to write it instead.
 */
function allowedToolsOf(server: McpServerBody, toolset: { index: number; body: McpToolsetBody } | undefined): string[] | undefined | "disabled" {
  if (toolset) {
    const configs = Object.entries(toolset.body.configs ?? {});
    if (toolset.body.default_config?.enabled === false) return configs.filter(([, config]) => config.enabled === true).map(([name]) => name);
    const off = configs.filter(([, config]) => config.enabled === false).map(([name]) => name);
    if (off.length > 0) {
      const param = `tools[${toolset.index}].configs`;
      throw badRequest(
        `Invalid '${param}': this gateway cannot turn single tools off (${off.join(", ")}); set 'default_config': {"enabled": false} and enable the tools the model may use.`,
        param,
        "unsupported_value",
      );
    }
    return undefined;
  }
  const configuration = server.tool_configuration;
  if (configuration?.enabled === false) return "disabled";
  return configuration?.allowed_tools ?? undefined;
}
