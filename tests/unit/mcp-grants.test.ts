// Which server grants a caller has: a virtual key's own list, the operator's
// defaults for everyone else, and nothing for anybody by default.
import { describe, expect, it } from "vitest";
import { ANONYMOUS, type Caller } from "../../src/access/caller.js";
import { mcpGrantsOf } from "../../src/access/mcp-grants.js";
import type { VirtualKey } from "../../src/access/virtual-keys.js";

function keyCaller(mcpServers: string[]): Caller {
  const key: VirtualKey = {
    id: "key_1",
    name: "k",
    owner: "",
    hint: "sk-cgw-…abcd",
    models: null,
    mcpServers,
    budget: null,
    rpmLimit: null,
    maxParallel: null,
    expiresAt: null,
    status: "active",
    createdAt: 0,
    updatedAt: 0,
  };
  return { kind: "key", id: key.id, partition: `key:${key.id}`, key };
}

const STATIC: Caller = { kind: "static", id: "static:abc", partition: "abc" };
const GITHUB: Caller = { kind: "github", id: "mona", partition: "github:mona", gitHubToken: "gho_x" };

describe("mcpGrantsOf", () => {
  it("gives a virtual key exactly the servers it lists, never the defaults", () => {
    expect(mcpGrantsOf(keyCaller(["github", "docs"]), ["jira"])).toEqual(["github", "docs"]);
    expect(mcpGrantsOf(keyCaller(["*"]), [])).toEqual(["*"]);
    expect(mcpGrantsOf(keyCaller([]), ["jira"])).toEqual([]);
  });

  it("gives static keys, an anonymous caller and GitHub users the defaults", () => {
    for (const caller of [STATIC, ANONYMOUS, GITHUB]) {
      expect(mcpGrantsOf(caller, ["jira", "docs"]), caller.kind).toEqual(["jira", "docs"]);
      expect(mcpGrantsOf(caller, ["*"]), caller.kind).toEqual(["*"]);
    }
  });

  it("grants nobody anything when there are no defaults and the key lists none", () => {
    for (const caller of [STATIC, ANONYMOUS, GITHUB, keyCaller([])]) expect(mcpGrantsOf(caller, []), caller.kind).toEqual([]);
  });

  it("grants a key caller whose key was not read nothing, whatever the defaults", () => {
    const unread: Caller = { kind: "key", id: "key_1", partition: "key:key_1" };
    expect(mcpGrantsOf(unread, ["*"])).toEqual([]);
  });
});
