// Which of the operator's MCP servers a caller is granted. A virtual key
// carries its own grants, kept with the key in access/; every other caller
// (a static key, a GitHub user, an open gateway) gets the operator's
// defaults. Grants are server names, or `*` for all (mcp-servers.ts).
import type { Caller } from "../access/caller.js";

/** The grant list of `caller`: the defaults, but for a virtual key, which gets only what it was granted itself (here: nothing). */
export function grantsOf(caller: Partial<Pick<Caller, "kind" | "key">>, defaults: readonly string[]): readonly string[] {
  return caller.kind === "key" ? [] : defaults;
}
