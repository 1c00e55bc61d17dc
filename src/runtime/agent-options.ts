// A session that runs as one of the operator's agents is opened with the
// SDK's custom agent for it, selected at start (`customAgents` + `agent`).
// Seen with runtime 1.0.85 in BYOK mode: the runtime appends the agent's
// prompt to the replaced system message inside `<agent_instructions>`, and
// offers the model only the agent's `tools` out of the session's available
// ones (a client tool the list does not name is dropped), so the list is the
// session's whole `availableTools`: the client's tools and the servers'.
// The agent's own `model` was not used (the session's model was), so the
// session is opened on the agent's model instead.
import type { CustomAgentConfig } from "@github/copilot-sdk";
import type { SessionAgent } from "./runtime.js";

export function agentOptions(agent: SessionAgent | undefined, availableTools: readonly string[]): { customAgents?: CustomAgentConfig[]; agent?: string } {
  if (!agent) return {};
  const config: CustomAgentConfig = {
    name: agent.name,
    ...(agent.displayName ? { displayName: agent.displayName } : {}),
    ...(agent.description ? { description: agent.description } : {}),
    prompt: agent.prompt,
    tools: [...availableTools],
    // Selected from the start, never delegated to by another agent.
    infer: false,
  };
  return { customAgents: [config], agent: agent.name };
}
