// Claude Code's model names against a Copilot-like model list (B.13 #72),
// through the real runtime: the gateway resolves them (configured aliases
// first, then the naming rules) before the turn starts, and the response
// still names the model as the client asked for it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseAliases } from "../../src/core/model-aliases.js";
import { startGateway, type TestGateway } from "../support/gateway.js";

const COPILOT_MODELS = ["gpt-4.1", "gpt-5", "claude-sonnet-4.5", "claude-opus-4.1", "claude-haiku-4.5"];

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ modelAliases: parseAliases("claude-3-5-haiku=gpt-4.1") }, { models: COPILOT_MODELS });
});
afterAll(async () => {
  await gw?.close();
});
beforeEach(() => gw.upstream.reset());

describe("Claude Code model names", () => {
  it.each([
    ["claude-sonnet-4-5-20250929", "claude-sonnet-4.5"],
    ["claude-opus-4-1-20250805", "claude-opus-4.1"],
    ["claude-haiku-4-5", "claude-haiku-4.5"],
    ["claude-opus-4-7", "claude-opus-4.1"],
    ["claude-3-5-haiku-20241022", "gpt-4.1"],
  ])("%s runs on %s and the answer names the model as requested", async (requested, served) => {
    const response = await gw.post("/v1/messages?beta=true", { model: requested, max_tokens: 512, messages: [{ role: "user", content: "which?" }] });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ model: requested, content: [{ type: "text", text: "echo: which?" }] });
    expect(gw.upstream.calls[0]!.request.model).toBe(served);
  });

  it("a name that resolves to nothing is still a 404 not_found_error", async () => {
    const response = await gw.post("/v1/messages", { model: "gpt-6", max_tokens: 512, messages: [{ role: "user", content: "hi" }] });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
  });
});

describe("GET /v1/models/{id}", () => {
  it("resolves a Claude Code name to the served model, as the message routes do", async () => {
    const response = await gw.app.request("/v1/models/claude-sonnet-4-5-20250929");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: "claude-sonnet-4.5", type: "model" });
    expect((await gw.app.request("/v1/models/gpt-6")).status).toBe(404);
  });
});
