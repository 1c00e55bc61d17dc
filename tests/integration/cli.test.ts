// `copilot-gateway keys …`, `usage …`, `tool-calls …` and `audit …` as an operator runs
// them: the real process (src/main.ts), on the same database the gateway
// uses — an SQLite file under the data directory, or PostgreSQL by URL.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { UsageRecord } from "../../src/access/usage.js";
import { hashSecret } from "../../src/access/virtual-keys.js";
import { openDatabase, SQLITE_FILE, type GatewayDatabase } from "../../src/storage/database.js";
import { KeyRepository } from "../../src/storage/key-repository.js";
import { ToolCallRepository } from "../../src/storage/tool-call-repository.js";
import { UsageRepository } from "../../src/storage/usage-repository.js";
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind, type TestDatabase } from "../support/databases.js";
import { runCliProcess, type CliRun } from "../support/cli-process.js";
import { TOOL_CALL_T0, toolCall } from "../support/tool-calls.js";

// Every command is a fresh Node process compiling TypeScript through tsx: seconds each on a busy machine.
const SLOW = 180_000;

type Run = CliRun;

/** A home of its own, so no test reads or writes the real ~/.cache. */
let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "cgw-cli-home-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runCliProcess(args, { HOME: home, XDG_CACHE_HOME: join(home, "cache"), ...env });
}

function json(run: Run): Record<string, any> {
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Record<string, any>;
}

describe.each(DATABASE_KINDS)("the CLI on %s", (kind: DatabaseKind) => {
  let target: TestDatabase;
  let database: GatewayDatabase;
  /** How the command finds the database: SQLite by --data-dir, PostgreSQL by DATABASE_URL, as an operator would. */
  let where: { args: string[]; env: Record<string, string> };

  beforeEach(async () => {
    target = await createTestDatabase(kind);
    database = await openDatabase(target.options);
    where = target.options.databaseUrl ? { args: [], env: { DATABASE_URL: target.options.databaseUrl } } : { args: ["--data-dir", target.options.dataDir], env: {} };
  });
  afterEach(async () => {
    await database.close();
    await target.dispose();
  });

  const run = (...args: string[]) => cli([...args, ...where.args], where.env);

  it(
    "creates, lists, updates and revokes a key; the gateway's store recognises its secret",
    async () => {
      const created = json(
        await run("keys", "create", "--name", "ci bot", "--owner", "alice", "--models", "gpt-4.1, gpt-5", "--mcp-servers", "github, docs", "--budget-period", "day", "--budget-tokens", "100000", "--budget-credits", "2.5", "--rpm", "60", "--expires", "2030-01-01", "--json"),
      );
      const secret = created.key as string;
      expect(secret).toMatch(/^sk-cgw-/);
      expect(created).toMatchObject({
        object: "api_key",
        name: "ci bot",
        owner: "alice",
        status: "active",
        models: ["gpt-4.1", "gpt-5"],
        mcp_servers: ["github", "docs"],
        budget: { period: "day", tokens: 100000, credits: 2.5 },
        rpm_limit: 60,
        max_parallel: null,
        expires_at: "2030-01-01T00:00:00.000Z",
      });
      const keys = new KeyRepository(database.db);
      expect((await keys.findBySecretHash(await hashSecret(secret)))?.id).toBe(created.id);

      const [listed, table] = await Promise.all([run("keys", "list", "--json"), run("keys", "list")]);
      expect(json(listed)).toMatchObject({ object: "list", data: [{ id: created.id, name: "ci bot", budget: { period: "day" } }] });
      expect(listed.stdout).not.toContain(secret);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^ID\s+NAME\s+OWNER\s+STATUS\s+MODELS\s+MCP SERVERS/);
      expect(table.stdout).toContain("github,docs");
      expect(table.stdout).toContain(created.id);
      expect(table.stdout).toContain("ci bot");
      expect(table.stdout).not.toContain(secret);

      // Budget flags change what they name: the period and credits stay.
      const updated = json(await run("keys", "update", created.id, "--budget-tokens", "5000", "--rpm", "30", "--max-parallel", "2", "--mcp-servers", "*", "--disable", "--json"));
      expect(updated).toMatchObject({ id: created.id, status: "disabled", mcp_servers: ["*"], budget: { period: "day", tokens: 5000, credits: 2.5 }, rpm_limit: 30, max_parallel: 2, spent: { tokens: 0 } });

      const lifted = json(await run("keys", "update", created.id, "--no-budget", "--all-models", "--no-rpm", "--no-max-parallel", "--no-expiry", "--no-mcp-servers", "--enable", "--json"));
      expect(lifted).toMatchObject({ status: "active", budget: null, models: null, mcp_servers: [], rpm_limit: null, max_parallel: null, expires_at: null, spent: null });

      const revoked = await run("keys", "revoke", created.id);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toContain(`Revoked API key ${created.id}`);
      expect(revoked.stdout).toMatch(/status\s+revoked/);

      const reenabled = await run("keys", "update", created.id, "--enable", "--json");
      expect(reenabled.code).toBe(0);
      expect(JSON.parse(reenabled.stdout).status).toBe("revoked");
      expect(reenabled.stderr).toContain("stays revoked");
      expect((await keys.get(created.id))?.status).toBe("revoked");

      const shown = await run("keys", "show", created.id);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/^id\s+key_/);
      expect(shown.stdout).toMatch(/^mcp servers\s+none$/m);
      // "" is the empty list: granted none, as --no-mcp-servers.
      const granted = await run("keys", "create", "--name", "tools", "--mcp-servers", "docs");
      expect(granted.stdout).toMatch(/^mcp servers\s+docs$/m);
      const id = /^id\s+(key_\w+)$/m.exec(granted.stdout)![1]!;
      expect(json(await run("keys", "update", id, "--mcp-servers", "", "--json")).mcp_servers).toEqual([]);
      expect(shown.stdout).not.toContain(secret);
    },
    SLOW,
  );

  it(
    "prints a new key's secret once, saying it will not be shown again",
    async () => {
      const created = await run("keys", "create", "--name", "laptop", "--expires", "30d");
      expect(created.code).toBe(0);
      const secret = /secret\s+(sk-cgw-\S+)/.exec(created.stdout)?.[1];
      expect(secret).toBeDefined();
      expect(created.stdout).toContain("will not be shown again");
      const key = await new KeyRepository(database.db).findBySecretHash(await hashSecret(secret!));
      expect(key?.name).toBe("laptop");
      expect(key!.expiresAt! - Date.now()).toBeGreaterThan(29 * 86_400_000);
      expect(key!.expiresAt! - Date.now()).toBeLessThanOrEqual(30 * 86_400_000);
    },
    SLOW,
  );

  it(
    "reports usage as a table, as CSV and as the admin API's JSON",
    async () => {
      const usage = new UsageRepository(database.db);
      const record = (caller: string, model: string, startedAt: number): UsageRecord => ({
        id: randomUUID(),
        startedAt,
        requestId: randomUUID(),
        callerKind: "github",
        caller,
        keyId: null,
        model,
        dialect: "openai-chat",
        status: "ok",
        errorCode: null,
        ttftMs: 10,
        durationMs: 100,
        inputTokens: 100,
        outputTokens: 10,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
        cost: 1,
        nanoAiu: 250_000_000,
        estimated: false,
      });
      await usage.record(record("mona", "gpt-4.1", Date.UTC(2026, 0, 10, 8)));
      await usage.record(record("mona", "gpt-4.1", Date.UTC(2026, 0, 11, 8)));
      await usage.record(record("=hubot", "gpt-5", Date.UTC(2026, 0, 11, 9)));

      const [report, csv, table] = await Promise.all([
        run("usage", "--group-by", "key,model", "--json"),
        run("usage", "--group-by", "day", "--from", "2026-01-11", "--to", "2026-01-12", "--csv"),
        run("usage", "--group-by", "key"),
      ]);
      expect(json(report)).toEqual({
        object: "usage_report",
        group_by: ["key", "model"],
        from: null,
        to: null,
        data: [
          expect.objectContaining({ group: { key: "=hubot", model: "gpt-5" }, requests: 1, credits: 0.25 }),
          expect.objectContaining({ group: { key: "mona", model: "gpt-4.1" }, requests: 2, input_tokens: 200, credits: 0.5 }),
        ],
      });
      expect(csv.code).toBe(0);
      expect(csv.stdout).toBe(
        "day,requests,errors,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,reasoning_tokens,cost,credits,estimated_requests\r\n" +
          "2026-01-11,2,0,200,20,0,0,0,2,0.5,0\r\n",
      );
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/KEY\s+REQUESTS\s+ERRORS\s+INPUT/);
      expect(table.stdout).toMatch(/mona\s+2\s+0\s+200/);
    },
    SLOW,
  );

  it(
    "lists tool calls newest first as a table, as CSV and as the admin API's JSON, filtered",
    async () => {
      const toolCalls = new ToolCallRepository(database.db);
      await toolCalls.record(toolCall({ at: TOOL_CALL_T0, requestId: "req_old", server: "wiki", tool: "read" }));
      await toolCalls.record(toolCall({ at: TOOL_CALL_T0 + 60_000, requestId: "req_new", caller: "octocat", keyId: null, outcome: "refused", arguments: '{"q":"a,b"}' }));

      const [table, csv, listed, empty] = await Promise.all([
        run("tool-calls"),
        run("tool-calls", "--server", "tickets", "--csv"),
        run("tool-calls", "--from", "2026-01-10", "--to", String(TOOL_CALL_T0 + 60_000), "--caller", "key_mona", "--limit", "5", "--json"),
        run("tool-calls", "--caller", "nobody"),
      ]);
      expect(table.code).toBe(0);
      const lines = table.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^TIME\s+CALLER\s+MODEL\s+SERVER\s+TOOL\s+OUTCOME\s+DURATION MS\s+ARGS BYTES\s+RESULT BYTES\s+REQUEST$/);
      expect(lines[1]).toMatch(/^2026-01-10T12:01:00\.000Z\s+octocat\s+gpt-4\.1\s+tickets\s+search\s+refused\s+120\s+42\s+1024\s+req_new$/);
      expect(lines[2]).toMatch(/^2026-01-10T12:00:00\.000Z\s+key_mona\s+.*wiki\s+read\s+ok\s.*req_old$/);
      expect(csv.code).toBe(0);
      expect(csv.stdout).toBe(
        "at,request_id,caller,key_id,model,server,tool,duration_ms,outcome,arguments_bytes,result_bytes,arguments\r\n" +
          '2026-01-10T12:01:00.000Z,req_new,octocat,,gpt-4.1,tickets,search,120,refused,42,1024,"{""q"":""a,b""}"\r\n',
      );
      expect(json(listed)).toEqual({ object: "list", data: [expect.objectContaining({ request_id: "req_old", at: "2026-01-10T12:00:00.000Z", key_id: "key_mona" })] });
      expect(empty.code).toBe(0);
      expect(empty.stdout).toBe("No tool calls recorded.\n");
    },
    SLOW,
  );

  it(
    "audits what keys commands change as the operating-system user, and lists it with `audit` as a table, CSV and JSON",
    async () => {
      const actor = `cli:${userInfo().username}`;
      const created = json(await run("keys", "create", "--name", "audited", "--rpm", "10", "--json"));
      json(await run("keys", "update", created.id, "--rpm", "20", "--json"));
      json(await run("keys", "revoke", created.id, "--json"));

      const [listed, table, csv, filtered, bad] = await Promise.all([
        run("audit", "--json"),
        run("audit"),
        run("audit", "--csv", "--action", "key.update"),
        run("audit", "--actor", actor, "--key", created.id, "--from", "2026-01-01", "--limit", "1", "--json"),
        run("audit", "--action", "key.delete"),
      ]);
      const records = json(listed).data as Array<Record<string, any>>;
      expect(records.map((record) => [record.actor, record.action, record.target, record.request_id])).toEqual([
        [actor, "key.revoke", created.id, null],
        [actor, "key.update", created.id, null],
        [actor, "key.create", created.id, null],
      ]);
      expect(records[1]!.changes).toEqual({ rpm_limit: { from: 10, to: 20 } });
      expect(listed.stdout).not.toContain(created.key);
      expect(table.code).toBe(0);
      const lines = table.stdout.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^TIME\s+ACTOR\s+ACTION\s+KEY\s+CHANGES\s+REQUEST$/);
      expect(lines[2]).toContain(`key.update  ${created.id}  rpm_limit: 10 → 20`);
      expect(csv.code).toBe(0);
      expect(csv.stdout.split("\r\n")).toEqual(["at,actor,action,target,changes,request_id,id", expect.stringContaining(`,${actor},key.update,${created.id},"{""rpm_limit"":{""from"":10,""to"":20}}",,`), ""]);
      expect(json(filtered).data).toEqual([expect.objectContaining({ action: "key.revoke", changes: { status: { from: "active", to: "revoked" } } })]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^copilot-gateway audit: --action: expected one of key.create, key.update, key.revoke/);
    },
    SLOW,
  );

  it(
    "exits 1 for a key that does not exist",
    async () => {
      const runs = await Promise.all([run("keys", "show", "key_missing"), run("keys", "revoke", "key_missing"), run("keys", "update", "key_missing", "--name", "x")]);
      for (const result of runs) {
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/^copilot-gateway keys (show|revoke|update): no API key has the id "key_missing"\n$/);
      }
      expect(await database.db.selectFrom("api_keys").select("id").execute()).toEqual([]);
    },
    SLOW,
  );
});

describe("the CLI's command line", () => {
  it(
    "says which flag is wrong, with exit code 2, before it opens the database",
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), "cgw-cli-data-"));
      const cases: Array<[string[], RegExp]> = [
        [["keys", "create"], /--name is required/],
        [["keys", "create", "--name", "k", "--rpm", "0"], /--rpm: .*"0"/],
        [["keys", "create", "--name", "k", "--rpm", "lots"], /--rpm must be a number/],
        [["keys", "create", "--name", "k", "--budget-period", "week", "--budget-tokens", "5"], /--budget-period: .*"week"/],
        [["keys", "create", "--name", "k", "--budget-tokens", "5"], /--budget-period is required/],
        [["keys", "create", "--name", "k", "--budget-period", "day"], /--budget-tokens or --budget-credits/],
        [["keys", "create", "--name", "k", "--models", ","], /--models: /],
        [["keys", "create", "--name", "k", "--mcp-servers", "docs, my server"], /--mcp-servers: must be a server name .*"docs, my server"/],
        [["keys", "create", "--name", "k", "--mcp-servers", "*,docs"], /--mcp-servers: "\*" grants every server and must be the only entry/],
        [["keys", "create", "--name", "k", "--expires", "soon"], /--expires must be/],
        [["keys", "create", "--name", "k", "--colour", "red"], /--colour/],
        [["keys", "create", "--name"], /--name/],
        [["keys", "update", "key_x"], /nothing to change/],
        [["keys", "update", "key_x", "--rpm", "5", "--no-rpm"], /--rpm and --no-rpm cannot be used together/],
        [["keys", "update", "key_x", "--mcp-servers", "docs", "--no-mcp-servers"], /--mcp-servers and --no-mcp-servers cannot be used together/],
        [["keys", "update", "key_x", "--enable", "--disable"], /--enable and --disable cannot be used together/],
        [["keys", "update", "--name", "x"], /key id is required/],
        [["keys", "show", "key_x", "key_y"], /unexpected argument "key_y"/],
        [["keys", "frobnicate"], /unknown command "frobnicate"/],
        [["usage", "--group-by", "key,colour"], /--group-by: unknown group "colour"/],
        [["usage", "--from", "yesterday"], /--from: /],
        [["usage", "--from", "2026-01-02", "--to", "2026-01-01"], /--to: must be later than from/],
        [["usage", "--csv", "--json"], /--csv and --json cannot be used together/],
        [["tool-calls", "--from", "yesterday"], /--from: expected an ISO datetime/],
        [["tool-calls", "--from", "2026-01-02", "--to", "2026-01-01"], /--to: must be later than from/],
        [["tool-calls", "--limit", "5000"], /--limit: expected a whole number from 1 to 1000/],
        [["tool-calls", "--caller", ""], /--caller: must not be empty/],
        [["tool-calls", "--csv", "--json"], /--csv and --json cannot be used together/],
        [["tool-calls", "wiki"], /unexpected argument "wiki"/],
      ];
      try {
        const runs = await Promise.all(cases.map(([args]) => cli([...args, "--data-dir", dataDir])));
        runs.forEach((result, index) => {
          const [args, message] = cases[index]!;
          expect({ args, code: result.code, stderr: result.stderr, stdout: result.stdout }).toEqual({ args, code: 2, stderr: expect.stringMatching(message), stdout: "" });
        });
        expect(existsSync(join(dataDir, SQLITE_FILE))).toBe(false);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    SLOW,
  );
});

describe("the CLI's database settings", () => {
  it(
    "defaults to the server's data directory under XDG_CACHE_HOME, and COPILOT_GATEWAY_DATA_DIR moves it",
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), "cgw-cli-data-"));
      try {
        const [byDefault, byEnv] = await Promise.all([
          cli(["keys", "create", "--name", "default", "--json"]),
          cli(["keys", "create", "--name", "elsewhere", "--json"], { COPILOT_GATEWAY_DATA_DIR: dataDir }),
        ]);
        expect(json(byDefault).name).toBe("default");
        expect(json(byEnv).name).toBe("elsewhere");
        expect(existsSync(join(home, "cache", "copilot-gateway", SQLITE_FILE))).toBe(true);
        expect(existsSync(join(dataDir, SQLITE_FILE))).toBe(true);
        const listed = json(await cli(["keys", "list", "--json"], { COPILOT_GATEWAY_DATA_DIR: dataDir }));
        expect(listed.data.map((key: { name: string }) => key.name)).toEqual(["elsewhere"]);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    SLOW,
  );

  it(
    "rejects a bad database URL (exit 2) and reports a database that does not open (exit 1), never showing the password",
    async () => {
      const [notPostgres, unreachable, help, toolCallsHelp] = await Promise.all([
        cli(["keys", "list", "--database-url", "mysql://admin:hunter2@db.internal/gateway"]),
        cli(["keys", "list"], { DATABASE_URL: "postgres://admin:hunter2@127.0.0.1:1/gateway" }),
        cli(["usage", "--help"]),
        cli(["tool-calls", "--help"]),
      ]);
      expect(notPostgres.code).toBe(2);
      expect(notPostgres.stderr).toMatch(/--database-url must be a postgres:\/\/ or postgresql:\/\/ URL/);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toMatch(/the database did not open/);
      for (const result of [notPostgres, unreachable]) expect(`${result.stdout}${result.stderr}`).not.toContain("hunter2");
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: copilot-gateway usage/);
      expect(help.stdout).toContain("--database-url");
      expect(toolCallsHelp.code).toBe(0);
      expect(toolCallsHelp.stdout).toMatch(/^Usage: copilot-gateway tool-calls/);
    },
    SLOW,
  );
});
