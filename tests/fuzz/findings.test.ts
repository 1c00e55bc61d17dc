// The operator's fault probe, one case each, on a real gateway: what the
// runtime cannot take is refused first with a 400 naming the field, a turn
// that cannot start still gets an answer, and nothing echoes a huge value.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GatewayError } from "../../src/core/gateway-error.js";
import { ConversationService } from "../../src/sessions/conversation-service.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ turnTimeoutMs: 10_000 });
}, 60_000);
afterAll(async () => {
  await gw?.close();
});

const nested = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
const deepSchema = (levels: number) => '{"type":"object","properties":{"a":'.repeat(levels) + '{"type":"string"}' + "}}".repeat(levels);
const chat = (extra: Record<string, unknown> = {}) => ({ model: TEST_MODEL, messages: [{ role: "user", content: "hi" }], ...extra });
const responses = (extra: Record<string, unknown> = {}) => ({ model: TEST_MODEL, input: "hi", store: false, ...extra });
const messages = (extra: Record<string, unknown> = {}) => ({ model: TEST_MODEL, max_tokens: 50, messages: [{ role: "user", content: "hi" }], ...extra });

/** Posts `body` (an object, or JSON text for what JSON.stringify cannot write) and reads the 400's field. */
async function refused(path: string, body: unknown): Promise<{ status: number; param: string | null; message: string }> {
  const response = await gw.post(path, body);
  const json = (await response.json()) as { error: { param?: string | null; message: string } };
  return { status: response.status, param: json.error.param ?? null, message: json.error.message };
}

/** JSON text of `body` with the placeholder string replaced by raw JSON. */
const withRaw = (body: unknown, raw: string) => JSON.stringify(body).replace('"@RAW@"', () => raw);

describe("lone surrogates are refused, naming the field, in every dialect", () => {
  const cases: Array<[string, string, string]> = [
    ["/v1/chat/completions", withRaw({ model: TEST_MODEL, messages: [{ role: "user", content: "@RAW@" }] }, '"a\\ud800"'), "messages[0].content"],
    ["/v1/chat/completions", withRaw({ model: TEST_MODEL, messages: [{ role: "system", content: "@RAW@" }, { role: "user", content: "hi" }] }, '"\\udc00"'), "messages[0].content"],
    ["/v1/chat/completions", withRaw(chat({ tools: [{ type: "function", function: { name: "f", description: "@RAW@" } }] }), '"\\ud800"'), "tools[0].function.description"],
    ["/v1/chat/completions", withRaw(chat({ tools: [{ type: "function", function: { name: "@RAW@" } }] }), '"f\\ud800"'), "tools[0].function.name"],
    ["/v1/chat/completions", withRaw(chat({ tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: "@RAW@" } } }] }), '{"\\ud800":{"type":"string"}}'), "tools[0].function.parameters.properties.\ufffd"],
    ["/v1/responses", withRaw(responses({ instructions: "@RAW@" }), '"\\ud800"'), "instructions"],
    ["/v1/responses", withRaw(responses({ input: "@RAW@" }), '"\\ud800"'), "input"],
    ["/v1/messages", withRaw(messages({ system: "@RAW@" }), '"\\ud800"'), "system"],
    ["/v1/messages", withRaw(messages({ tools: [{ name: "f", input_schema: { type: "object", description: "@RAW@" } }] }), '"\\ud800"'), "tools[0].input_schema.description"],
  ];
  test.each(cases)("%s %s", async (path, body, param) => {
    const response = await gw.app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(response.status).toBe(400);
    const json = (await response.json()) as { error: { param?: string; message: string } };
    if (path === "/v1/messages") expect(json.error.message).toContain(`'${param}'`);
    else expect(json.error.param).toBe(param);
  });
});

describe("tool names outside [A-Za-z0-9_-]{1,64} are a 400", () => {
  test.each(["a b", "nul\u0000", "ツール", "😀".repeat(1_000), "a".repeat(65), "a.b"])("%j", async (name) => {
    expect(await refused("/v1/chat/completions", chat({ tools: [{ type: "function", function: { name } }] }))).toMatchObject({ status: 400, param: "tools[0].function.name" });
    expect(await refused("/v1/responses", responses({ tools: [{ type: "function", name }] }))).toMatchObject({ status: 400, param: "tools[0].name" });
    const anthropic = await gw.post("/v1/messages", messages({ tools: [{ name, input_schema: { type: "object" } }] }));
    expect(anthropic.status).toBe(400);
    expect(((await anthropic.json()) as { error: { message: string } }).error.message).toContain("'tools[0].name'");
  });
});

describe("nesting beyond the documented depth is a 400, not a stack overflow", () => {
  test.each([
    ["/v1/chat/completions", withRaw(chat({ tools: [{ type: "function", function: { name: "f", parameters: "@RAW@" } }] }), nested(10_000)), "tools[0].function.parameters"],
    ["/v1/chat/completions", withRaw({ model: TEST_MODEL, messages: [{ role: "user", content: "hi" }, { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "@RAW@" } }] }] }, nested(10_000)), "messages[1].tool_calls[0].function.arguments"],
    ["/v1/responses", withRaw(responses({ metadata: "@RAW@" }), nested(10_000)), "metadata"],
    ["/v1/chat/completions", withRaw(chat({ tools: [{ type: "function", function: { name: "f", parameters: "@RAW@" } }] }), deepSchema(62)), "tools[0].function.parameters"],
    ["/v1/chat/completions", withRaw(chat({ response_format: { type: "json_schema", json_schema: { name: "x", schema: "@RAW@" } } }), deepSchema(40)), "response_format.json_schema.schema"],
    ["/v1/responses", withRaw(responses({ text: { format: { type: "json_schema", name: "x", schema: "@RAW@" } } }), deepSchema(40)), "text.format.schema"],
  ])("%s at %#", async (path, body, param) => {
    const response = await gw.app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param.startsWith(param)).toBe(true);
  });
});

describe("sizes out of proportion are refused before the runtime pays for them", () => {
  test("thousands of tools", async () => {
    const tools = Array.from({ length: 3_000 }, (_, i) => ({ type: "function", function: { name: `t${i}` } }));
    expect(await refused("/v1/chat/completions", chat({ tools }))).toMatchObject({ status: 400, param: "tools" });
  });
  test("a 10 MB tool description", async () => {
    const description = "word ".repeat(2_000_000);
    expect(await refused("/v1/chat/completions", chat({ tools: [{ type: "function", function: { name: "f", description } }] }))).toMatchObject({ status: 400, param: "tools[0].function.description" });
  });
  test("a 10 MB prompt", async () => {
    const started = performance.now();
    const response = await gw.post("/v1/messages", messages({ messages: [{ role: "user", content: "word ".repeat(2_000_000) }] }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("'messages'");
    expect(performance.now() - started).toBeLessThan(5_000);
  });
  test("a 10 MB model name is refused without being echoed", async () => {
    const response = await gw.post("/v1/chat/completions", chat({ model: "x".repeat(10_000_000) }));
    expect(response.status).toBe(400);
    expect((await response.text()).length).toBeLessThan(1_000);
  });
  test("a long unknown model id is echoed clipped in the 404", async () => {
    const response = await gw.app.request(`/v1/models/${"m".repeat(10_000)}`);
    expect(response.status).toBe(404);
    expect((await response.text()).length).toBeLessThan(1_000);
  });
});

describe("starting a turn has a deadline of its own", () => {
  test("a send the runtime never answers ends in a 504, not a hang", async () => {
    // The gateway refuses this text; the service below it is asked directly, as a stuck runtime would be met.
    const service = new ConversationService(gw.runtime, { deadlineMs: 2_000, maxSessions: 5, sessionTtlMs: 60_000 });
    const started = performance.now();
    const attempt = service.start(
      { model: TEST_MODEL, messages: [{ role: "user", content: [{ type: "text", text: "stuck \ud800" }] }], tools: [], toolChoice: "auto", parallelToolCalls: true, stop: [] },
      new AbortController().signal,
      { partition: "deadline-test" },
    );
    const error = await attempt.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(504);
    expect(performance.now() - started).toBeLessThan(8_000);
  }, 15_000);
});
