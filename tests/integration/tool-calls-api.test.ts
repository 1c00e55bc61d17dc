// GET /admin/tool-calls on a real database: who may read the audit, what it
// answers (newest first, snake_case, the filters and the limit), CSV, and the
// 400s that name the bad filter. The records are written through the
// repository, as a turn's execution writes them. On SQLite always; on
// PostgreSQL when TEST_DATABASE_URL is set.
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { KeyAdmin } from "../../src/access/key-admin.js";
import { adminRoutes } from "../../src/http/admin-routes.js";
import type { AppEnv } from "../../src/pipeline/app-env.js";
import { KeyRepository } from "../../src/storage/key-repository.js";
import { ToolCallRepository } from "../../src/storage/tool-call-repository.js";
import { UsageRepository } from "../../src/storage/usage-repository.js";
import { DATABASE_KINDS, databasesDisposedAfterEach } from "../support/databases.js";
import { TOOL_CALL_T0 as T0, toolCall } from "../support/tool-calls.js";

const ADMIN_KEY = "admin-secret-for-tests";

type Json = Record<string, any>;

const { fresh, open } = databasesDisposedAfterEach();

describe.each(DATABASE_KINDS)("GET /admin/tool-calls on %s", (kind) => {
  let toolCalls: ToolCallRepository;
  let app: Hono<AppEnv>;

  beforeEach(async () => {
    const database = await open(await fresh(kind));
    const usage = new UsageRepository(database.db);
    toolCalls = new ToolCallRepository(database.db);
    app = new Hono<AppEnv>().route("/admin", adminRoutes({ admin: new KeyAdmin(new KeyRepository(database.db), usage), usage, toolCalls, adminKey: ADMIN_KEY }));
  });

  async function get(query: string, headers: Record<string, string> = { authorization: `Bearer ${ADMIN_KEY}` }) {
    const response = await app.request(`/admin/tool-calls${query}`, { headers });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: (text.startsWith("{") ? JSON.parse(text) : undefined) as Json };
  }

  it("is only for the admin key: 401 without it, with a wrong one, or with a client's key", async () => {
    await toolCalls.record(toolCall());
    expect((await get("", {})).json.error).toMatchObject({ code: "missing_admin_key" });
    for (const headers of [{ authorization: "Bearer sk-client" }, { "x-api-key": `${ADMIN_KEY}x` }] as Array<Record<string, string>>) {
      const response = await get("", headers);
      expect(response.status).toBe(401);
      expect(response.json.error.code).toBe("invalid_admin_key");
      expect(response.text).not.toContain("tickets");
    }
    expect((await get("", { "x-api-key": ADMIN_KEY })).status).toBe(200);
  });

  it("lists the calls newest first, each with its snake_case fields and the time as ISO", async () => {
    await toolCalls.record(toolCall({ at: T0, requestId: "req_a" }));
    await toolCalls.record(toolCall({ at: T0 + 1_500, requestId: "req_b", keyId: null, caller: "octocat", outcome: "timeout", arguments: '{"q":"x"}' }));
    const { status, json } = await get("");
    expect(status).toBe(200);
    expect(json).toEqual({
      object: "list",
      data: [
        {
          at: "2026-01-10T12:00:01.500Z",
          request_id: "req_b",
          caller: "octocat",
          key_id: null,
          model: "gpt-4.1",
          server: "tickets",
          tool: "search",
          duration_ms: 120,
          outcome: "timeout",
          arguments_bytes: 42,
          result_bytes: 1_024,
          arguments: '{"q":"x"}',
        },
        expect.objectContaining({ at: "2026-01-10T12:00:00.000Z", request_id: "req_a", key_id: "key_mona", arguments: null }),
      ],
    });
  });

  it("filters by from and to (ISO datetime, date or epoch ms; to exclusive), caller and server", async () => {
    const DAY = 86_400_000;
    const calls = [
      toolCall({ at: T0 - DAY, requestId: "yesterday", caller: "key_mona", server: "wiki" }),
      toolCall({ at: T0, requestId: "noon", caller: "key_mona", server: "tickets" }),
      toolCall({ at: T0 + 60_000, requestId: "noon_one", caller: "octocat", server: "tickets" }),
      toolCall({ at: T0 + DAY, requestId: "tomorrow", caller: "octocat", server: "wiki" }),
    ];
    for (const call of calls) await toolCalls.record(call);
    const ids = async (query: string) => ((await get(query)).json.data as Json[]).map((call) => call.request_id);
    expect(await ids("?from=2026-01-10&to=2026-01-11")).toEqual(["noon_one", "noon"]);
    expect(await ids("?from=2026-01-10T12:00:00Z&to=2026-01-10T12:01:00Z")).toEqual(["noon"]);
    expect(await ids(`?from=${T0 + 60_000}`)).toEqual(["tomorrow", "noon_one"]);
    expect(await ids(`?to=${T0}`)).toEqual(["yesterday"]);
    expect(await ids("?from=2026-01-10T13:00:00%2B01:00")).toEqual(["tomorrow", "noon_one", "noon"]);
    expect(await ids("?caller=octocat")).toEqual(["tomorrow", "noon_one"]);
    expect(await ids("?server=wiki")).toEqual(["tomorrow", "yesterday"]);
    expect(await ids("?caller=key_mona&server=tickets")).toEqual(["noon"]);
    expect(await ids("?caller=nobody")).toEqual([]);
    expect(await ids("?limit=1")).toEqual(["tomorrow"]);
  });

  it("answers at most 100 calls unless asked for more, and up to 1000", async () => {
    for (let index = 0; index < 101; index++) await toolCalls.record(toolCall({ at: T0 + index, requestId: `req_${index}` }));
    const first = await get("");
    expect(first.json.data).toHaveLength(100);
    expect(first.json.data[0].request_id).toBe("req_100");
    expect((await get("?limit=1000")).json.data).toHaveLength(101);
  });

  it("gives CSV for format=csv or Accept: text/csv: a header row, RFC 4180 quoting, no formulas", async () => {
    await toolCalls.record(toolCall({ caller: "=hubot", arguments: '{"q":"a, \\"b\\"\\nc"}', outcome: "error" }));
    const csv = await get("?format=csv");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toContain("copilot-gateway-tool-calls.csv");
    expect(csv.text).toBe(
      "at,request_id,caller,key_id,model,server,tool,duration_ms,outcome,arguments_bytes,result_bytes,arguments\r\n" +
        `2026-01-10T12:00:00.000Z,req_1,'=hubot,key_mona,gpt-4.1,tickets,search,120,error,42,1024,"{""q"":""a, \\""b\\""\\nc""}"\r\n`,
    );
    const negotiated = await get("", { authorization: `Bearer ${ADMIN_KEY}`, accept: "text/csv" });
    expect(negotiated.text).toBe(csv.text);
    expect((await get("?format=json", { authorization: `Bearer ${ADMIN_KEY}`, accept: "text/csv" })).json.object).toBe("list");
    const empty = await get("?format=csv&caller=nobody");
    expect(empty.text.split("\r\n")).toEqual([expect.stringMatching(/^at,request_id,/), ""]);
  });

  it("answers a bad filter with a 400 in OpenAI's shape naming the field", async () => {
    for (const [query, param] of [
      ["?from=yesterday", "from"],
      ["?to=2026-02-30", "to"],
      ["?from=2026-01-11&to=2026-01-10", "to"],
      ["?caller=", "caller"],
      [`?server=${"s".repeat(201)}`, "server"],
      ["?limit=0", "limit"],
      ["?limit=1001", "limit"],
      ["?limit=ten", "limit"],
      ["?limit=1.5", "limit"],
      ["?format=xml", "format"],
    ] as const) {
      const response = await get(query);
      expect(response.status, query).toBe(400);
      expect(response.json.error, query).toMatchObject({ type: "invalid_request_error", param, code: "invalid_value" });
      expect(response.json.error.message, query).toContain(`'${param}'`);
    }
  });
});

describe("GET /admin/tool-calls without an audit store", () => {
  it("is not there (404)", async () => {
    const database = await open(await fresh("sqlite"));
    const usage = new UsageRepository(database.db);
    const app = new Hono<AppEnv>().route("/admin", adminRoutes({ admin: new KeyAdmin(new KeyRepository(database.db), usage), usage, adminKey: ADMIN_KEY }));
    const response = await app.request("/admin/tool-calls", { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(response.status).toBe(404);
  });
});
