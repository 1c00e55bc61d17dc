// The example SQL agent (examples/sql-agent), as an operator runs it: its MCP
// file and its agent file read by the gateway's own loaders, the real
// @modelcontextprotocol/server-postgres run by the real Copilot runtime, over
// a table in the PostgreSQL that `.ci/run` starts. The scripted model calls
// the server's `query` tool and answers from the rows the runtime sent back;
// the server connects as a role that may only read, as the example says it
// must. Needs TEST_DATABASE_URL (skipped without it, like the other
// PostgreSQL tests).
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { readAgentsDir } from "../../src/node/agents-dir.js";
import { silentLogger } from "../../src/core/logger.js";
import { AgentDirectory } from "../../src/tools/agents.js";
import { parseMcpConfig } from "../../src/tools/mcp-config.js";
import type { McpServers } from "../../src/tools/mcp-servers.js";
import { startGateway, type TestGateway } from "../support/gateway.js";
import { answerScript, offeredTools, toolCallScript, toolResultSent } from "../support/mcp-servers.js";
import type { Script, UpstreamRequest } from "../support/upstream.js";

const DATABASE_URL = process.env.TEST_DATABASE_URL;
const EXAMPLE = fileURLToPath(new URL("../../examples/sql-agent/", import.meta.url));
/** The example runs the server with `npx -y`, which fetches it; the test runs the copy installed as a development dependency, with the same arguments after the package name. */
const SERVER_POSTGRES_BIN = fileURLToPath(new URL("../../node_modules/@modelcontextprotocol/server-postgres/dist/index.js", import.meta.url));

const ORDERS = [
  ["Acme GmbH", "1200.50", "2026-03-02"],
  ["Globex", "310.00", "2026-03-09"],
  ["Initech", "845.25", "2026-03-17"],
  ["Acme GmbH", "99.90", "2026-04-01"],
] as const;

describe.skipIf(!DATABASE_URL)("the example SQL agent over PostgreSQL (needs TEST_DATABASE_URL: .ci/run starts one)", () => {
  const suffix = randomBytes(5).toString("hex");
  const schema = `cgw_sql_${suffix}`;
  const reader = `cgw_reader_${suffix}`;
  const readerPassword = randomBytes(12).toString("hex");
  let gw: TestGateway;
  let baseURL: string;
  let key: string;

  beforeAll(async () => {
    await asOwner(async (db) => {
      await db.query(`CREATE SCHEMA ${schema}`);
      await db.query(`CREATE TABLE ${schema}.orders (id serial PRIMARY KEY, customer text NOT NULL, amount_eur numeric(10,2) NOT NULL, placed_on date NOT NULL)`);
      for (const row of ORDERS) await db.query(`INSERT INTO ${schema}.orders (customer, amount_eur, placed_on) VALUES ($1, $2, $3)`, [...row]);
      // The role the example asks for: it may read the table, nothing else.
      await db.query(`CREATE ROLE ${reader} LOGIN PASSWORD '${readerPassword}'`).catch((error: Error) => {
        throw new Error(`the TEST_DATABASE_URL user may not create the read-only role (${error.message}): give it CREATEROLE, as .ci/run does`);
      });
      await db.query(`GRANT USAGE ON SCHEMA ${schema} TO ${reader}`);
      await db.query(`GRANT SELECT ON ${schema}.orders TO ${reader}`);
    });
    const readerUrl = new URL(DATABASE_URL!);
    readerUrl.username = reader;
    readerUrl.password = readerPassword;
    readerUrl.searchParams.set("options", `-c search_path=${schema}`);
    const env = { WAREHOUSE_READER_URL: readerUrl.toString() };
    const servers = withInstalledServer(parseMcpConfig(await readFile(`${EXAMPLE}mcp.json`, "utf8"), env, `${EXAMPLE}mcp.json`));
    const agents = await readAgentsDir({ config: { agentsDir: `${EXAMPLE}agents`, modelAliases: new Map() }, env, servers, logger: silentLogger });
    gw = await startGateway({ auth: "keys", mcpServers: servers, agents: new AgentDirectory(agents) });
    baseURL = await gw.listen();
    // The analysts' key names the agent as its one model, and no server: the agent brings its own.
    key = (await gw.keys.create({ name: "analysts", models: ["sql"] })).key;
  });
  afterAll(async () => {
    await gw?.close();
    await asOwner(async (db) => {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.query(`DROP ROLE IF EXISTS ${reader}`);
    });
  });
  beforeEach(() => gw.upstream.reset());

  it("answers Claude Code's question from the table: the server ran the model's SQL and the model read the rows", async () => {
    const sql = "SELECT customer, sum(amount_eur) AS spent_eur FROM orders WHERE placed_on >= '2026-03-01' AND placed_on < '2026-04-01' GROUP BY customer ORDER BY spent_eur DESC";
    const answer = answerFromRows("call_sql_1");
    gw.upstream.respond((request, index) => (index === 0 ? toolCallScript("call_sql_1", "warehouse-query", { sql }) : answer(request)));
    const anthropic = new Anthropic({ baseURL: baseURL.replace(/\/v1$/, ""), apiKey: key, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: "sql", max_tokens: 500, messages: [{ role: "user", content: "Which customer spent the most in March?" }] });

    const [first, second] = gw.upstream.calls.map((call) => call.request);
    expect(offeredTools(first!)).toEqual(["warehouse-query"]);
    expect(first!.messages.find((m) => m.role === "system")?.content).toContain("You are the SQL analyst of the company's data warehouse");
    const rows = JSON.parse(toolResultSent(second!, "call_sql_1")!) as Array<{ customer: string; spent_eur: string }>;
    expect(rows).toEqual([
      { customer: "Acme GmbH", spent_eur: "1200.50" },
      { customer: "Initech", spent_eur: "845.25" },
      { customer: "Globex", spent_eur: "310.00" },
    ]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "Acme GmbH spent the most: 1200.50 EUR (of 3 customers)." })]);
    const audited = await vi.waitFor(async () => {
      const records = await gw.toolCalls.list({});
      expect(records).toHaveLength(1);
      return records[0]!;
    });
    expect(audited).toMatchObject({ model: "sql", server: "warehouse", tool: "query", outcome: "ok" });
  });

  it("changes nothing, even for SQL that ends the server's read-only transaction first: the role may only read", async () => {
    const client = new OpenAI({ baseURL, apiKey: key, maxRetries: 0 });
    for (const [id, sql, refusal] of [
      // The server's read-only transaction refuses a write…
      ["call_insert", `INSERT INTO orders (customer, amount_eur, placed_on) VALUES ('Mallory', 1, '2026-03-03')`, "cannot execute INSERT in a read-only transaction"],
      // …but not one after a COMMIT that ends it (server-postgres 0.6.2): the role refuses that one.
      ["call_escape", `COMMIT; DELETE FROM orders`, "permission denied for table orders"],
    ] as const) {
      gw.upstream.reset();
      gw.upstream.respondInOrder(toolCallScript(id, "warehouse-query", { sql }), answerScript("I may only read."));
      const completion = await client.chat.completions.create({ model: "sql", messages: [{ role: "user", content: `run ${sql}` }] });
      expect(completion.choices[0]!.message.content).toBe("I may only read.");
      expect(toolResultSent(gw.upstream.calls[1]!.request, id)).toContain(refusal);
    }
    const count = await asOwner(async (db) => (await db.query(`SELECT count(*)::int AS n FROM ${schema}.orders`)).rows[0].n as number);
    expect(count).toBe(ORDERS.length);
  });
});

/** The example's server, run from the installed package instead of through npx. */
function withInstalledServer(servers: McpServers): McpServers {
  const warehouse = servers.get("warehouse");
  if (!warehouse || !("command" in warehouse)) throw new Error("examples/sql-agent/mcp.json has no stdio server warehouse");
  const args = warehouse.args ?? [];
  expect(args.slice(0, 2)).toEqual(["-y", "@modelcontextprotocol/server-postgres@0.6.2"]);
  return new Map([["warehouse", { ...warehouse, command: process.execPath, args: [SERVER_POSTGRES_BIN, ...args.slice(2)] }]]);
}

/** The model's second call: an answer made from the rows the runtime sent it for `toolCallId`. */
function answerFromRows(toolCallId: string): (request: UpstreamRequest) => Script {
  return (request) => {
    const rows = JSON.parse(toolResultSent(request, toolCallId) ?? "[]") as Array<{ customer: string; spent_eur: string }>;
    return answerScript(`${rows[0]!.customer} spent the most: ${rows[0]!.spent_eur} EUR (of ${rows.length} customers).`);
  };
}

async function asOwner<T>(work: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}
