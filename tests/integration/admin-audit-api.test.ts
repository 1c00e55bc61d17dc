// The audit of admin changes on a real database: every change made through
// the admin API is recorded with its actor, time, request id and the fields
// it changed (never a secret); a refused change leaves no record; GET
// /admin/audit answers it newest first, filtered, as JSON or CSV; a person
// the sign-in code names an admin (the `signedInAdmin` hook, here on the
// scripted GitHub's team) acts under their login; a person who signed in is
// disabled and enabled under the same rules (/admin/people). On SQLite
// always; on PostgreSQL when TEST_DATABASE_URL is set.
import { Hono } from "hono";
import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AdminRights } from "../../src/access/admin-rights.js";
import { KeyAdmin } from "../../src/access/key-admin.js";
import { PeopleAdmin } from "../../src/access/people-admin.js";
import { hashSecret } from "../../src/access/virtual-keys.js";
import { silentLogger } from "../../src/core/logger.js";
import { adminRoutes, type AdminRoutesDeps } from "../../src/http/admin-routes.js";
import { requestLine } from "../../src/http/request-line.js";
import { GitHubTeams } from "../../src/node/github-teams.js";
import { noMetrics } from "../../src/observability/metrics.js";
import type { AppEnv } from "../../src/pipeline/app-env.js";
import { AdminAuditRepository } from "../../src/storage/admin-audit-repository.js";
import { openSupervisedDatabase, type GatewayDatabase } from "../../src/storage/database.js";
import { KeyRepository } from "../../src/storage/key-repository.js";
import { PeopleRepository } from "../../src/storage/people-repository.js";
import { UsageRepository } from "../../src/storage/usage-repository.js";
import { DATABASE_KINDS, databasesDisposedAfterEach } from "../support/databases.js";
import { startScriptedGitHub, type ScriptedGitHub } from "../support/github-api.js";

const ADMIN_KEY = "admin-secret-for-tests";
const MONA = "gho_monaTOKENabcdef0123456789";
const HUBOT = "gho_hubotTOKENabcdef0123456789";

type Json = Record<string, any>;

const { fresh, open } = databasesDisposedAfterEach();

let github: ScriptedGitHub;
beforeAll(async () => {
  github = await startScriptedGitHub({ tokens: { [MONA]: "mona", [HUBOT]: "hubot" }, teams: { "octo-org/gateway-admins": { mona: "active" } } });
});
afterAll(async () => {
  await github?.close();
});

describe.each(DATABASE_KINDS)("the audit of admin changes on %s", (kind) => {
  let database: GatewayDatabase;
  let admin: KeyAdmin;
  let people: PeopleRepository;
  let app: Hono<AppEnv>;

  /** Stands in for the sign-in branch's session: a cookie naming a GitHub token, whose login the scripted GitHub knows. */
  const rights = () => new AdminRights({ admins: [], team: { org: "octo-org", slug: "gateway-admins" }, teams: new GitHubTeams({ apiUrl: github.url }), logger: silentLogger });
  const signedInAdmin = (adminRights: AdminRights): NonNullable<AdminRoutesDeps["signedInAdmin"]> => async (c) => {
    const token = /(?:^|;\s*)test_session=([^;]+)/.exec(c.req.header("cookie") ?? "")?.[1];
    const login = token === MONA ? "mona" : token === HUBOT ? "hubot" : undefined;
    return login === undefined ? undefined : adminRights.actorFor(login, token!);
  };

  beforeEach(async () => {
    database = await open(await fresh(kind));
    const usage = new UsageRepository(database.db);
    // Changes in one millisecond are listed in no set order: this test's changes each get a millisecond of their own.
    let last = 0;
    const now = () => (last = Math.max(Date.now(), last + 1));
    admin = new KeyAdmin(new KeyRepository(database.db), usage, now);
    people = new PeopleRepository(database.db);
    const peopleAdmin = new PeopleAdmin(people, new KeyRepository(database.db), now);
    app = new Hono<AppEnv>()
      .use(requestLine(noMetrics, silentLogger))
      .route("/admin", adminRoutes({ admin, usage, adminKey: ADMIN_KEY, audit: new AdminAuditRepository(database.db), signedInAdmin: signedInAdmin(rights()), people: peopleAdmin }));
  });

  async function call(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_KEY}`, ...options.headers };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const response = await app.request(`/admin${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: (text.startsWith("{") ? JSON.parse(text) : undefined) as Json };
  }
  const audit = async (query = "") => (await call("GET", `/audit${query}`)).json.data as Json[];

  it("records each change through the API with its actor, request id and the fields it changed, newest first", async () => {
    const created = await call("POST", "/keys", {
      body: { name: "ci bot", owner: "alice", mcp_servers: ["docs"], budget: { period: "day", tokens: 1000 } },
      headers: { "x-request-id": "req_create_1" },
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    expect((await call("PATCH", `/keys/${id}`, { body: { name: "ci bot", rpm_limit: 30 }, headers: { "x-request-id": "req_update_1" } })).status).toBe(200);
    expect((await call("DELETE", `/keys/${id}`)).status).toBe(200);
    // Revoking it again changes nothing, and says so.
    expect((await call("DELETE", `/keys/${id}`)).status).toBe(200);

    const records = await audit();
    expect(records.map((record) => record.action)).toEqual(["key.revoke", "key.revoke", "key.update", "key.create"]);
    const [again, revoked, updated, made] = records as [Json, Json, Json, Json];
    expect(made).toEqual({
      id: expect.any(String),
      object: "admin_change",
      at: created.json.created_at,
      actor: "admin-key",
      actor_kind: "admin-key",
      action: "key.create",
      target: id,
      changes: {
        name: { from: null, to: "ci bot" },
        owner: { from: null, to: "alice" },
        status: { from: null, to: "active" },
        mcp_servers: { from: null, to: ["docs"] },
        budget: { from: null, to: { period: "day", tokens: 1000, credits: null } },
      },
      request_id: "req_create_1",
    });
    expect(updated).toMatchObject({ action: "key.update", target: id, request_id: "req_update_1", changes: { rpm_limit: { from: null, to: 30 } } });
    expect(Object.keys(updated.changes)).toEqual(["rpm_limit"]);
    expect(revoked).toMatchObject({ action: "key.revoke", changes: { status: { from: "active", to: "revoked" } }, request_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(again).toMatchObject({ action: "key.revoke", target: id, changes: {} });
  });

  it("never keeps or shows a key's secret, nor its hash", async () => {
    const created = await call("POST", "/keys", { body: { name: "secretive" } });
    const secret = created.json.key as string;
    expect(secret).toMatch(/^sk-cgw-/);
    const secretHash = await hashSecret(secret);
    const rows = await database.db.selectFrom("admin_audit").selectAll().execute();
    expect(rows).toHaveLength(1);
    for (const text of [JSON.stringify(rows), (await call("GET", "/audit")).text, (await call("GET", "/audit?format=csv")).text]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(7));
      expect(text).not.toContain(secretHash);
    }
  });

  it("records nothing for a change refused or aimed at no key", async () => {
    const { json: key } = await call("POST", "/keys", { body: { name: "one" } });
    expect((await call("PATCH", "/keys/key_nope", { body: { rpm_limit: 1 } })).status).toBe(404);
    expect((await call("DELETE", "/keys/key_nope")).status).toBe(404);
    expect((await call("PATCH", `/keys/${key.id}`, { body: { rpm_limit: -1 } })).status).toBe(400);
    expect((await call("POST", "/keys", { body: { owner: "nameless" } })).status).toBe(400);
    expect((await call("PATCH", `/keys/${key.id}`, { body: {}, headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await audit()).map((record) => record.action)).toEqual(["key.create"]);
  });

  it("admits a person the sign-in hook names an admin, and audits their changes under their login", async () => {
    const made = await call("POST", "/keys", { body: { name: "by mona" }, headers: { authorization: "", cookie: `test_session=${MONA}` } });
    expect(made.status).toBe(201);
    // hubot is signed in but not on the admin team: not an admin.
    const refused = await call("POST", "/keys", { body: { name: "by hubot" }, headers: { authorization: "", cookie: `test_session=${HUBOT}` } });
    expect(refused.status).toBe(401);
    expect(refused.json.error.code).toBe("missing_admin_key");
    expect(await audit()).toEqual([expect.objectContaining({ actor: "github:mona", actor_kind: "github", action: "key.create", target: made.json.id })]);
    // A signed-in admin reads the audit too; a wrong admin key is refused even beside an admin's session.
    const read = await app.request("/admin/audit", { headers: { cookie: `test_session=${MONA}` } });
    expect(read.status).toBe(200);
    expect((await call("GET", "/audit", { headers: { authorization: "Bearer wrong", cookie: `test_session=${MONA}` } })).status).toBe(401);
  });

  it("filters by time, actor, action and key, with a limit; answers CSV; names a bad filter in a 400", async () => {
    let now = Date.UTC(2026, 0, 10, 12);
    const clocked = new KeyAdmin(new KeyRepository(database.db), new UsageRepository(database.db), () => now);
    const cli = { actor: { kind: "cli" as const, user: "alice" }, requestId: null };
    const first = await clocked.create({ name: "=cmd" }, cli);
    now += 60_000;
    await clocked.update(first.id, { owner: 'bob, "the builder"' }, { actor: { kind: "cli", user: "bob" }, requestId: null });
    now += 86_400_000;
    await clocked.revoke(first.id, { actor: { kind: "github", login: "mona" }, requestId: "req_9" });
    const second = await call("POST", "/keys", { body: { name: "today" } });

    const ids = async (query: string) => (await audit(query)).map((record) => `${record.actor} ${record.action}`);
    expect(await ids("")).toEqual(["admin-key key.create", "github:mona key.revoke", "cli:bob key.update", "cli:alice key.create"]);
    expect(await ids("?from=2026-01-10&to=2026-01-11")).toEqual(["cli:bob key.update", "cli:alice key.create"]);
    expect(await ids(`?from=${Date.UTC(2026, 0, 10, 12, 1)}&to=2026-01-12`)).toEqual(["github:mona key.revoke", "cli:bob key.update"]);
    expect(await ids("?actor=cli")).toEqual(["cli:bob key.update", "cli:alice key.create"]);
    expect(await ids("?actor=cli:alice")).toEqual(["cli:alice key.create"]);
    expect(await ids("?actor=github")).toEqual(["github:mona key.revoke"]);
    expect(await ids("?actor=admin-key")).toEqual(["admin-key key.create"]);
    expect(await ids("?action=key.create")).toEqual(["admin-key key.create", "cli:alice key.create"]);
    expect(await ids(`?target=${second.json.id}`)).toEqual(["admin-key key.create"]);
    expect(await ids("?actor=cli&action=key.update")).toEqual(["cli:bob key.update"]);
    expect(await ids("?limit=2")).toEqual(["admin-key key.create", "github:mona key.revoke"]);
    expect(await ids("?actor=github:nobody")).toEqual([]);

    const csv = await call("GET", `/audit?format=csv&target=${first.id}`);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toContain("copilot-gateway-audit.csv");
    const lines = csv.text.split("\r\n");
    expect(lines[0]).toBe("at,actor,action,target,changes,request_id,id");
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(new RegExp(`^2026-01-11T12:01:00.000Z,github:mona,key.revoke,${first.id},"{""status"":{""from"":""active"",""to"":""revoked""}}",req_9,[0-9a-f-]{36}$`));
    expect(lines[2]).toContain(`,cli:bob,key.update,${first.id},"{""owner"":{""from"":"""",""to"":""bob, \\""the builder\\""""}}",,`);
    expect(lines[3]).toContain(`"{""name"":{""from"":null,""to"":""=cmd""}`);
    expect(lines[4]).toBe("");
    expect((await call("GET", "/audit", { headers: { accept: "text/csv" } })).text.startsWith("at,actor,")).toBe(true);

    for (const [query, param] of [
      ["?from=yesterday", "from"],
      ["?from=2026-01-11&to=2026-01-10", "to"],
      ["?actor=root", "actor"],
      ["?actor=github:", "actor"],
      ["?action=key.delete", "action"],
      ["?target=", "target"],
      ["?limit=0", "limit"],
      ["?limit=1001", "limit"],
      ["?format=xml", "format"],
    ] as const) {
      const response = await call("GET", `/audit${query}`);
      expect(response.status, query).toBe(400);
      expect(response.json.error, query).toMatchObject({ type: "invalid_request_error", param, code: "invalid_value" });
    }
    expect((await call("GET", "/audit", { headers: { authorization: "" } })).status).toBe(401);
  });

  /** A person as signing in leaves them; the grant's tokens stand for sealed ones (the repository stores them as given). */
  const signedInPerson = (login: string, githubId: number) =>
    people.signedIn({ githubId, login, seat: "active" }, { accessToken: "v1.sealed-access", accessExpiresAt: null, refreshToken: null, refreshExpiresAt: null }, Date.now());

  it("disables and enables a person with its actor and request id, and records nothing for a change refused or aimed at nobody", async () => {
    const octo = await signedInPerson("Octo", 501);
    expect((await call("PATCH", `/people/${octo.id}`, { body: { status: "gone" } })).status).toBe(400);
    expect((await call("PATCH", `/people/${octo.id}`, { body: { status: "disabled", name: "x" } })).status).toBe(400);
    expect((await call("PATCH", "/people/person_0000000000000000", { body: { status: "disabled" } })).status).toBe(404);
    expect((await call("PATCH", `/people/${octo.id}`, { body: { status: "disabled" }, headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect(await audit()).toEqual([]);
    const disabled = await call("PATCH", "/people/octo", { body: { status: "disabled" }, headers: { "x-request-id": "req_people_1" } });
    expect(disabled.json).toMatchObject({ id: octo.id, login: "Octo", status: "disabled" });
    expect((await call("PATCH", `/people/${octo.id}`, { body: { status: "disabled" }, headers: { authorization: "", cookie: `test_session=${MONA}` } })).status).toBe(200);
    expect((await call("PATCH", `/people/${octo.id}`, { body: { status: "active" } })).status).toBe(200);
    expect(await audit(`?target=${octo.id}`)).toEqual([
      expect.objectContaining({ actor: "admin-key", action: "person.enable", changes: { status: { from: "disabled", to: "active" } } }),
      expect.objectContaining({ actor: "github:mona", action: "person.disable", changes: {} }),
      expect.objectContaining({ actor: "admin-key", action: "person.disable", changes: { status: { from: "active", to: "disabled" } }, request_id: "req_people_1" }),
    ]);
    expect((await audit("?action=person.disable")).map((record) => record.actor)).toEqual(["github:mona", "admin-key"]);
  });

  it("applies no disabling whose record cannot be written", async () => {
    const octo = await signedInPerson("octo", 502);
    if (kind === "sqlite") {
      await sql`create trigger refuse_audit before insert on admin_audit begin select raise(abort, 'audit refused'); end`.execute(database.db);
    } else {
      await sql`create function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit refused'; end $$`.execute(database.db);
      await sql`create trigger refuse_audit before insert on admin_audit for each row execute function refuse_audit()`.execute(database.db);
    }
    const refused = await call("PATCH", `/people/${octo.id}`, { body: { status: "disabled" } });
    expect(refused.status).toBe(500);
    expect((await people.get(octo.id))?.status).toBe("active");
    expect(await database.db.selectFrom("admin_audit").selectAll().execute()).toEqual([]);
  });

  it("answers /admin/people with a 404 that says why on a gateway without sign-in", async () => {
    const usage = new UsageRepository(database.db);
    const bare = new Hono<AppEnv>().route("/admin", adminRoutes({ admin, usage, adminKey: ADMIN_KEY }));
    for (const path of ["/admin/people", "/admin/people/octo"]) {
      const response = await bare.request(path, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as Json).error.code).toBe("sign_in_off");
    }
  });

  it("applies no change whose record cannot be written", async () => {
    const { json: key } = await call("POST", "/keys", { body: { name: "guarded", rpm_limit: 5 } });
    if (kind === "sqlite") {
      await sql`create trigger refuse_audit before insert on admin_audit begin select raise(abort, 'audit refused'); end`.execute(database.db);
    } else {
      await sql`create function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit refused'; end $$`.execute(database.db);
      await sql`create trigger refuse_audit before insert on admin_audit for each row execute function refuse_audit()`.execute(database.db);
    }
    for (const [method, path, body] of [
      ["PATCH", `/keys/${key.id}`, { rpm_limit: 50 }],
      ["DELETE", `/keys/${key.id}`, undefined],
      ["POST", "/keys", { name: "never made" }],
    ] as const) {
      const refused = await call(method, path, body === undefined ? {} : { body });
      expect(refused.status, `${method} ${path}`).toBe(500);
      expect(refused.text).not.toContain("audit refused");
    }
    expect(await admin.list()).toEqual([expect.objectContaining({ id: key.id, name: "guarded", rpm_limit: 5, status: "active" })]);
    expect((await database.db.selectFrom("admin_audit").selectAll().execute()).map((row) => row.action)).toEqual(["key.create"]);
  });
});

describe.runIf(DATABASE_KINDS.includes("postgres"))("the audit of admin changes when PostgreSQL fails at the audit's write", () => {
  it("answers the store's 503 with Retry-After and applies nothing, as for any change while the store is out", async () => {
    const target = await fresh("postgres");
    const plain = await open(target);
    const supervised = await openSupervisedDatabase(target.options, { logger: silentLogger, probeIntervalMs: 100 });
    try {
      const usage = new UsageRepository(supervised.db);
      let last = 0;
      const admin = new KeyAdmin(new KeyRepository(supervised.db), usage, () => (last = Math.max(Date.now(), last + 1)));
      const app = new Hono<AppEnv>().route("/admin", adminRoutes({ admin, usage, adminKey: ADMIN_KEY }));
      const headers = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
      const made = await app.request("/admin/keys", { method: "POST", headers, body: JSON.stringify({ name: "kept", rpm_limit: 5 }) });
      const { id } = (await made.json()) as { id: string };
      // SQLSTATE 08006 (connection_failure), raised by the server itself at the audit's insert: what a connection lost there looks like.
      await sql`create function lose_connection() returns trigger language plpgsql as $$ begin raise exception 'connection lost' using errcode = '08006'; end $$`.execute(plain.db);
      await sql`create trigger lose_connection before insert on admin_audit for each row execute function lose_connection()`.execute(plain.db);
      const refused = await app.request(`/admin/keys/${id}`, { method: "PATCH", headers, body: JSON.stringify({ rpm_limit: 50 }) });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(((await refused.json()) as Json).error.code).toBe("store_unavailable");
      expect((await new KeyRepository(plain.db).get(id))?.rpmLimit).toBe(5);
      expect((await new AdminAuditRepository(plain.db).list({})).map((record) => record.action)).toEqual(["key.create"]);
    } finally {
      await supervised.close();
    }
  });
});
