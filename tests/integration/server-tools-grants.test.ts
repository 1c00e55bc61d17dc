// Who gets the company's tools: a virtual key only the servers it lists
// (none until it lists one), every other caller the operator's defaults —
// seen where it matters, in the tools the model is offered.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatBody, startGateway, type TestGateway } from "../support/gateway.js";
import { everythingServer, offeredTools, servers } from "../support/mcp-servers.js";

const STATIC_KEY = "sk-static-team-key-0123456789";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({
    auth: "keys",
    apiKeys: [STATIC_KEY],
    mcpServers: servers({ logs: everythingServer(), metrics: everythingServer({ tools: ["get-sum"] }) }),
    defaultMcpGrants: ["logs"],
  });
});
afterAll(() => gw.close());
beforeEach(() => gw.upstream.reset());

/** The `<server>-` prefixes of the tools the model was offered on the last call. */
async function serversOffered(key: string): Promise<string[]> {
  const response = await gw.post("/v1/chat/completions", chatBody("which tools?"), { authorization: `Bearer ${key}` });
  expect(response.status).toBe(200);
  const offered = offeredTools(gw.upstream.calls.at(-1)!.request);
  return [...new Set(offered.filter((name) => /^(logs|metrics)-/.test(name)).map((name) => name.split("-")[0]!))].sort();
}

describe("server grants", () => {
  it("give a virtual key nothing until it lists servers, then exactly those, within each server's allowlist", async () => {
    const { id, key } = await gw.keys.create({ name: "no grants" });
    expect(await serversOffered(key)).toEqual([]);
    await gw.keys.update(id, { mcp_servers: ["metrics"] });
    expect(await serversOffered(key)).toEqual(["metrics"]);
    const offered = offeredTools(gw.upstream.calls.at(-1)!.request).filter((name) => name.startsWith("metrics-"));
    expect(offered).toEqual(["metrics-get-sum"]);
    await gw.keys.update(id, { mcp_servers: ["*"] });
    expect(await serversOffered(key)).toEqual(["logs", "metrics"]);
    await gw.keys.update(id, { mcp_servers: null });
    expect(await serversOffered(key)).toEqual([]);
  });

  it("give a static key the operator's defaults", async () => {
    expect(await serversOffered(STATIC_KEY)).toEqual(["logs"]);
  });
});
