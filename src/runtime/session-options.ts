// What a Copilot session is opened with: the client's model, system prompt and
// tools, the MCP servers the caller was granted (the shared stdio ones' tools
// as handler tools, shared-mcp-servers.ts), the permission policy that
// lets only those tools run (tool-permissions.ts), the gate calls the client
// must approve wait at (tool-gates.ts), and none of the runtime's
// own machinery a gateway does not need.
import type { SessionSpec } from "./runtime.js";
import type { ProviderSettings } from "./runtime-settings.js";
import type { SessionServerTools } from "./server-tool-handlers.js";
import { serverToolPatterns, shadowedServerTools, toolPermissions } from "./tool-permissions.js";
import type { ToolGates } from "./tool-gates.js";
import { agentOptions } from "./agent-options.js";

export interface SessionOptionsContext {
  /** Where calls of a session with approval rules wait for their answer. */
  toolGates?: ToolGates;
  /** BYOK: the provider, and where its calls go instead (the relay) once it runs. */
  provider?: ProviderSettings;
  providerBaseUrl?: string;
  /** The shared stdio MCP servers' tools, given to the session instead of the servers (shared-mcp-servers.ts). */
  serverTools?: SessionServerTools;
}

export function sessionOptions(spec: SessionSpec, workingDirectory: string, context: SessionOptionsContext) {
  const granted = context.serverTools?.runtimeServers ?? spec.mcpServers;
  const servers = granted && Object.keys(granted).length > 0 ? granted : undefined;
  const handlerTools = context.serverTools?.tools ?? [];
  const availableTools = [...spec.tools.map((tool) => tool.name), ...handlerTools.map((tool) => tool.name), ...serverToolPatterns(servers)];
  return {
    model: spec.model,
    streaming: true,
    workingDirectory,
    systemMessage: { mode: "replace" as const, content: spec.systemMessage },
    tools: [
      ...spec.tools.map((tool) => ({
        name: tool.name,
        description: tool.description ?? "",
        parameters: tool.parameters ?? { type: "object", properties: {} },
        // Clients may name their tools like built-ins (`bash`, `edit`); theirs win.
        overridesBuiltInTool: true,
      })),
      ...handlerTools,
    ],
    // The client runs its own tools, the runtime the granted servers' tools;
    // nothing built in (shell, files, web) is offered, nor ever approved.
    availableTools,
    ...agentOptions(spec.agent, availableTools),
    onPermissionRequest: toolPermissions(spec),
    ...(spec.mcpApprovals && context.toolGates ? { hooks: approvalHooks(context.toolGates) } : {}),
    // The same names and allowlists either way: what the permissions above check is unchanged.
    ...(servers ? { mcpServers: servers, excludedTools: shadowedServerTools(spec) } : {}),
    // The client holds the conversation: the runtime must not compact it
    // behind its back (a too-long one is the provider's context error, as
    // with the provider's own API), and its checkpoint files cost ~10 % of a session's CPU.
    infiniteSessions: { enabled: false },
    ...(spec.reasoningEffort ? { reasoningEffort: spec.reasoningEffort } : {}),
    ...(spec.gitHubToken ? { gitHubToken: spec.gitHubToken } : {}),
    ...(context.provider ? providerOptions(context.provider, context.providerBaseUrl) : {}),
  };
}

/** The runtime asks before every tool call; the session's gate answers (or makes it wait). */
function approvalHooks(gates: ToolGates) {
  return {
    onPreToolUse: (input: { toolName: string; toolArgs: unknown }, invocation: { sessionId: string }) =>
      gates.decide(invocation.sessionId, { toolName: input.toolName, arguments: input.toolArgs }),
  };
}

function providerOptions(provider: ProviderSettings, baseUrl: string | undefined) {
  return {
    provider: {
      type: provider.type,
      baseUrl: baseUrl ?? provider.baseUrl,
      ...(provider.apiKey ? { apiKey: provider.apiKey } : {}),
      ...(provider.wireApi ? { wireApi: provider.wireApi } : {}),
    },
    // BYOK models are unknown to the runtime, which otherwise drops image attachments.
    modelCapabilities: { supports: { vision: true } },
  };
}
