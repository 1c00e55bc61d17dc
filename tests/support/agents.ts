// The operator's agents for tests: agent files written as a team keeps them
// (front matter, then the prompt).

/** An agent file's text: `fields` as YAML front matter lines, then the prompt. */
export function agentFileText(fields: string[], prompt: string): string {
  return ["---", ...fields, "---", "", prompt, ""].join("\n");
}
