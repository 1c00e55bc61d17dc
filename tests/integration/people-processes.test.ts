// The operators' view of people, as they run it: two real gateway processes
// on one database (an SQLite file they share, or PostgreSQL), the company's
// GitHub App and GitHub's API scripted on loopback, and `copilot-gateway
// people` run as a real process. /admin/people lists who signed in, their
// seat, keys and last use, and why GitHub stopped renewing a sign-in;
// disabling a person through one process stops all their keys on the other
// at its next request (401 in each dialect's shape), is audited with its
// actor in the change's transaction, keeps them from signing in for a new
// key, and enabling them restores the same keys.
import { access } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayDatabase } from "../../src/storage/database.js";
import type { PersonList, PersonView, AdminChangeList } from "../../src/http/admin-api.js";
import { DATABASE_KINDS, type DatabaseKind, type TestDatabase } from "../support/databases.js";
import { runCliProcess } from "../support/cli-process.js";
import type { GatewayProcess } from "../support/gateway-process.js";
import type { ScriptedGitHubOAuth } from "../support/github-oauth.js";
import { startSignInProcesses, type SignInProcesses } from "../support/sign-in-processes.js";

const SLOW = 180_000;
const ADMIN_KEY = "people-test-admin-key-0123456789";

describe.each(DATABASE_KINDS)("people, disabled and enabled across two processes on %s", (kind: DatabaseKind) => {
  let processes: SignInProcesses;
  let oauth: ScriptedGitHubOAuth;
  let target: TestDatabase;
  let database: GatewayDatabase;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let home: string;
  let dana: { id: string; key: string };
  const databaseEnv = (): Record<string, string> => (target.options.databaseUrl ? { DATABASE_URL: target.options.databaseUrl } : { COPILOT_GATEWAY_DATA_DIR: target.options.dataDir });
  const cli = (args: string[]) => runCliProcess(["people", ...args], { HOME: home, ...databaseEnv() });

  const admin = async (gateway: GatewayProcess, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${gateway.origin}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  const ask = async (gateway: GatewayProcess, path: string, body: Record<string, unknown>) => {
    const response = await fetch(`${gateway.origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${dana.key}`, "anthropic-version": "2023-06-01" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const chat = (gateway: GatewayProcess) => ask(gateway, "/v1/chat/completions", { model: "gpt-scripted", messages: [{ role: "user", content: `hello ${Math.random()}` }] });
  const messages = (gateway: GatewayProcess) => ask(gateway, "/v1/messages", { model: "gpt-scripted", max_tokens: 50, messages: [{ role: "user", content: `hi ${Math.random()}` }] });
  /** `copilot-gateway login`'s two calls, made by hand: the device code, then its one poll, which GitHub grants. */
  const deviceSignIn = async (gateway: GatewayProcess, login: string) => {
    oauth.signInAs({ login });
    const code = (await (await fetch(`${gateway.origin}/auth/device/code`, { method: "POST" })).json()) as { device_code: string };
    const token = await fetch(`${gateway.origin}/auth/device/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ device_code: code.device_code, name: "laptop" }) });
    return { status: token.status, body: (await token.json()) as Record<string, any> };
  };
  const personOf = async (gateway: GatewayProcess, who: string) => JSON.parse((await admin(gateway, "GET", `/people/${who}`)).text) as PersonView;

  beforeAll(async () => {
    processes = await startSignInProcesses(kind, { secretKey: "people-test-secret-key-0123456789abcdef", publicUrl: "https://gateway.example", env: { GATEWAY_ADMIN_KEY: ADMIN_KEY } });
    ({ oauth, target, database, a, b, home } = processes);
    const signedIn = await deviceSignIn(a, "dana");
    expect(signedIn.status).toBe(200);
    dana = { id: (await database.db.selectFrom("people").select("id").where("login", "=", "dana").executeTakeFirstOrThrow()).id, key: signedIn.body.key as string };
  }, SLOW);
  afterAll(async () => {
    await processes?.close();
  });

  it("lists who signed in, their seat, keys and last use, as JSON and CSV, from either process", { timeout: SLOW }, async () => {
    const before = await personOf(b, "dana");
    expect(before).toMatchObject({ id: dana.id, object: "person", login: "dana", seat: "active", status: "active", token_state: "valid", token_problem: null, last_used_at: null });
    expect(before.keys).toEqual([expect.objectContaining({ name: "laptop", status: "active", last_used_at: null })]);
    expect(JSON.stringify(before)).not.toContain(dana.key);
    const started = Date.now();
    expect((await chat(a)).status).toBe(200);
    const list = JSON.parse((await admin(b, "GET", "/people")).text) as PersonList;
    expect(list.data.map((person) => person.login)).toEqual(["dana"]);
    const used = list.data[0]!;
    expect(Date.parse(used.last_used_at!)).toBeGreaterThanOrEqual(started - 1000);
    expect(used.keys[0]!.last_used_at).toBe(used.last_used_at);
    // By login, in any case, as well as by id.
    expect((await personOf(b, "DANA")).id).toBe(dana.id);
    const csv = await admin(a, "GET", "/people?format=csv");
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const [header, row, end] = csv.text.split("\r\n");
    expect(header).toBe("login,github_id,id,seat,status,token_state,token_problem,keys,active_keys,last_used_at,signed_in_at,first_signed_in_at");
    expect(row).toContain(`dana,${used.github_id},${dana.id},active,active,valid,,1,1,${used.last_used_at},`);
    expect(end).toBe("");
    const missing = await admin(a, "GET", "/people/nobody-here");
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).error.code).toBe("person_not_found");
    expect((await fetch(`${a.origin}/admin/people`, { headers: { authorization: `Bearer ${dana.key}` } })).status).toBe(401);
  });

  it("stops all of a disabled person's keys on the other process at its next request, audited with the change", { timeout: SLOW }, async () => {
    const bad = await admin(a, "PATCH", `/people/${dana.id}`, { status: "gone" });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error.param).toBe("status");
    const disabled = await admin(a, "PATCH", `/people/${dana.id}`, { status: "disabled" }, { "x-request-id": "req_disable_dana" });
    expect(disabled.status).toBe(200);
    expect(JSON.parse(disabled.text)).toMatchObject({ login: "dana", status: "disabled" });

    const viaChat = await chat(b);
    expect(viaChat.status).toBe(401);
    expect(viaChat.body.error).toMatchObject({ code: "person_disabled", type: "authentication_error" });
    expect(viaChat.body.error.message).toContain("An administrator disabled your access");
    const viaMessages = await messages(b);
    expect(viaMessages.status).toBe(401);
    expect(viaMessages.body).toMatchObject({ type: "error", error: { type: "authentication_error", message: expect.stringContaining("An administrator disabled your access") } });
    expect((await chat(a)).status).toBe(401);
    // The keys themselves are untouched: enabling the person restores them.
    expect((await personOf(b, dana.id)).keys.map((key) => key.status)).toEqual(["active"]);

    const audit = JSON.parse((await admin(b, "GET", `/audit?target=${dana.id}`)).text) as AdminChangeList;
    expect(audit.data).toEqual([
      expect.objectContaining({ actor: "admin-key", action: "person.disable", target: dana.id, changes: { status: { from: "active", to: "disabled" } }, request_id: "req_disable_dana" }),
    ]);
  });

  it("gives a disabled person no key when they sign in again, and says why", { timeout: SLOW }, async () => {
    const again = await deviceSignIn(b, "dana");
    expect(again.status).toBe(403);
    expect(again.body).toMatchObject({ error: "person_disabled", login: "dana" });
    expect(again.body.key).toBeUndefined();
    // As a person sees it: `copilot-gateway login` ends with the reason, and keeps no key.
    const login = await runCliProcess(["login", "--url", a.origin], { HOME: home });
    expect(login.code).toBe(1);
    expect(login.stderr).toContain("the sign-in did not complete: An administrator disabled your access to this gateway, so signing in gives you no key. Ask an administrator to enable you again.");
    await expect(access(join(home, ".config", "copilot-gateway", "credentials.json"))).rejects.toThrow();
    expect((await personOf(a, dana.id)).keys).toHaveLength(1);
  });

  it("people enable at the CLI restores the same keys everywhere, audited as cli:<user>", { timeout: SLOW }, async () => {
    const listed = await cli([]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/LOGIN\s+GITHUB ID\s+SEAT\s+STATUS/);
    expect(listed.stdout).toMatch(/dana\s+\d+\s+active\s+disabled\s+valid\s+1\/1/);
    const enabled = await cli(["enable", "dana"]);
    expect(enabled.stderr).toBe("");
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toContain("Enabled dana: their keys work again.");
    for (const gateway of [a, b]) expect((await chat(gateway)).status).toBe(200);
    expect((await messages(b)).status).toBe(200);

    const disabled = await cli(["disable", dana.id, "--json"]);
    expect(disabled.code).toBe(0);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ id: dana.id, status: "disabled" });
    expect((await chat(b)).status).toBe(401);
    expect((await cli(["enable", "dana"])).code).toBe(0);
    expect((await chat(b)).status).toBe(200);

    const user = userInfo().username;
    const audit = JSON.parse((await admin(a, "GET", `/audit?target=${dana.id}`)).text) as AdminChangeList;
    expect(audit.data.map((change) => [change.actor, change.action, change.request_id])).toEqual([
      [`cli:${user}`, "person.enable", null],
      [`cli:${user}`, "person.disable", null],
      [`cli:${user}`, "person.enable", null],
      ["admin-key", "person.disable", "req_disable_dana"],
    ]);
    const json = JSON.parse((await cli(["--json"])).stdout) as PersonList;
    expect(json.data).toEqual([expect.objectContaining({ login: "dana", status: "active" })]);
    const csv = await cli(["list", "--csv"]);
    expect(csv.stdout.split("\r\n")[1]).toContain(`dana,`);
    const nobody = await cli(["disable", "nobody-here"]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain("nobody who signed in has the login or id");
    expect((await cli(["disable"])).code).toBe(2);
  });

  it("shows the admin why GitHub stopped renewing a person's sign-in", { timeout: SLOW }, async () => {
    oauth.revokeGrant("dana");
    await database.db.updateTable("person_grants").set({ access_expires_at: Date.now() - 1000 }).execute();
    expect((await chat(a)).status).toBe(401);
    const person = await personOf(b, "dana");
    expect(person).toMatchObject({ status: "active", token_state: "refused", token_problem: expect.stringContaining("bad_refresh_token") });
    const shown = await cli(["show", "dana"]);
    expect(shown.stdout).toMatch(/sign-in\s+refused: GitHub refused to renew your sign-in \(bad_refresh_token\)/);
  });
});
