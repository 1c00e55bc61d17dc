// The audit of the company's tools: every tool call the runtime runs on the
// server side (the real server-everything over stdio) becomes one record in
// the gateway's database, read at GET /admin/tool-calls and counted at
// /metrics; the arguments' text only when the operator keeps it. On SQLite
// always; on PostgreSQL when TEST_DATABASE_URL is set.
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ToolCallRecord } from "../../src/tools/tool-call-log.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../support/databases.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { answerScript, crashingOnCallServer, everythingServer, servers, toolCallScript } from "../support/mcp-servers.js";

const ADMIN_KEY = "admin-key-for-the-audit";
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

interface Audited {
  gw: TestGateway;
  client: OpenAI;
  keyId: string;
}

async function auditedGateway(options: { auditArguments: boolean; database?: TestDatabase }): Promise<Audited> {
  const gw = await startGateway(
    {
      auth: "keys",
      adminKey: ADMIN_KEY,
      mcpServers: servers({ everything: everythingServer(), crashing: crashingOnCallServer() }),
      mcpCallTimeoutMs: 1_500,
      mcpAuditArguments: options.auditArguments,
    },
    options.database ? { database: options.database.options } : {},
  );
  const key = await gw.keys.create({ name: "audited bot", mcp_servers: ["everything", "crashing"] });
  const client = new OpenAI({ baseURL: await gw.listen(), apiKey: key.key, maxRetries: 0 });
  return { gw, client, keyId: key.id };
}

/** Runs a turn whose model calls `tool` once and then answers; returns the audit's records once there are `expected`. */
async function callOnce({ gw, client }: Audited, tool: string, args: Record<string, unknown>, expected = 1): Promise<ToolCallRecord[]> {
  gw.upstream.respondInOrder(toolCallScript("call_audited", tool, args), answerScript("Done."));
  const completion = await client.chat.completions.create({ model: TEST_MODEL, messages: [{ role: "user", content: `call ${tool}` }] });
  expect(completion.choices[0]!.message.content).toBe("Done.");
  // The record is written beside the answer, never holding it up.
  return vi.waitFor(async () => {
    const records = await gw.toolCalls.list({});
    expect(records).toHaveLength(expected);
    return records;
  });
}

describe.each(DATABASE_KINDS)("the tool-call audit on %s", (kind) => {
  let target: TestDatabase;
  let audited: Audited;
  beforeAll(async () => {
    target = await createTestDatabase(kind);
    audited = await auditedGateway({ auditArguments: false, database: target });
  });
  afterAll(async () => {
    await audited?.gw.close();
    await target?.dispose();
  });
  beforeEach(() => audited.gw.upstream.reset());

  it("records a virtual key's call of a server tool once, shows it to the admin and counts it", async () => {
    const [record] = await callOnce(audited, "everything-echo", { message: "hi" });
    expect(record).toMatchObject({
      caller: audited.keyId,
      keyId: audited.keyId,
      model: TEST_MODEL,
      server: "everything",
      tool: "echo",
      outcome: "ok",
      argumentsBytes: '{"message":"hi"}'.length,
      resultBytes: "Echo: hi".length,
      arguments: null,
    });
    expect(record!.requestId).toMatch(/\S/);
    expect(record!.durationMs).toBeGreaterThan(0);

    const listed = await audited.gw.app.request("/admin/tool-calls", { headers: admin });
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { data: Array<Record<string, unknown>> };
    expect(body.data).toEqual([expect.objectContaining({ caller: audited.keyId, key_id: audited.keyId, server: "everything", tool: "echo", outcome: "ok", arguments: null })]);

    const metrics = await (await audited.gw.app.request("/metrics", { headers: admin })).text();
    expect(metrics).toContain('copilot_gateway_tool_calls_total{server="everything",tool="echo",outcome="ok"} 1');
  });

  it("records a call whose server dies in the middle of it as an error", async () => {
    const records = await callOnce(audited, "crashing-echo", { message: "x" }, 2);
    expect(records[0]).toMatchObject({ caller: audited.keyId, server: "crashing", tool: "echo", outcome: "error" });
  });
});

describe("the tool-call audit when the operator keeps arguments", () => {
  let audited: Audited;
  beforeAll(async () => {
    audited = await auditedGateway({ auditArguments: true });
  });
  afterAll(() => audited?.gw.close());

  it("keeps the arguments' JSON text", async () => {
    const [record] = await callOnce(audited, "everything-echo", { message: "keep me" });
    expect(record).toMatchObject({ tool: "echo", outcome: "ok", arguments: '{"message":"keep me"}' });
  });

  it("records a call past its timeout as a timeout", async () => {
    audited.gw.upstream.reset();
    const records = await callOnce(audited, "everything-trigger-long-running-operation", { duration: 20, steps: 2 }, 2);
    expect(records[0]).toMatchObject({ server: "everything", tool: "trigger-long-running-operation", outcome: "timeout" });
    expect(records[0]!.durationMs).toBeGreaterThanOrEqual(1_000);
  });
});
