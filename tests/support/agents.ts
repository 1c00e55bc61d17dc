// The operator's agents for tests: agent files written as a team keeps them
// (front matter, then the prompt), read by the gateway's own parser and
// resolved against the servers the test configures.
import { parseAgentFile } from "../../src/tools/agent-file.js";
import { agentOf, AgentDirectory } from "../../src/tools/agents.js";
import type { McpServers } from "../../src/tools/mcp-servers.js";

/** An agent file's text: `fields` as YAML front matter lines, then the prompt. */
export function agentFileText(fields: string[], prompt: string): string {
  return ["---", ...fields, "---", "", prompt, ""].join("\n");
}

/** The agents of these files (file name → text), as the gateway serves them beside `servers`. */
export function agentDirectory(files: Record<string, string>, servers: McpServers = new Map(), env: Record<string, string> = {}): AgentDirectory {
  return new AgentDirectory(Object.entries(files).map(([name, text]) => agentOf(parseAgentFile(text, name, `/agents/${name}`, env), servers)));
}

/** The system message the model got on a call. */
export function systemPromptSent(request: { messages: Array<{ role: string; content: unknown }> }): string {
  const system = request.messages.find((message) => message.role === "system");
  return typeof system?.content === "string" ? system.content : "";
}
