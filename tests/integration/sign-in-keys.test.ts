// Personal keys through the web flow, driven without a browser (redirects
// followed by hand, the cookies carried as a browser would), on the real
// gateway and runtime with GitHub scripted on loopback: an OAuth App's
// token that never expires is used as it is; GitHub out of reach during a
// refresh is a 503 to retry, and the next request refreshes once; a
// disabled person's keys stop; a person changes only their own keys; a
// refused sign-in works again once they sign in anew; a sign-in declined on
// GitHub leaves nobody signed in; raw GitHub tokens still work beside keys;
// a signed-in admin disables and enables a person through /admin/people.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/pino-logger.js";
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind, type TestDatabase } from "../support/databases.js";
import { startGateway, type CopilotTestGateway } from "../support/gateway.js";
import { startScriptedGitHub, type ScriptedGitHub } from "../support/github-api.js";
import { startScriptedGitHubOAuth, type ScriptedGitHubOAuth } from "../support/github-oauth.js";

const cookieOf = (response: Response, name: string) => response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`))?.split(";")[0];

describe.each(DATABASE_KINDS)("personal keys from the web flow, on %s", (kind: DatabaseKind) => {
  let github: ScriptedGitHub;
  let oauth: ScriptedGitHubOAuth;
  let target: TestDatabase;
  let gateway: CopilotTestGateway;
  let origin: string;
  /** Every log line, every cookie value and key handed out, every answer body: for the secret scan at the end. */
  const logLines: string[] = [];
  const handedOut: string[] = [];
  const answers: string[] = [];

  beforeAll(async () => {
    github = await startScriptedGitHub({ tokens: {} });
    oauth = await startScriptedGitHubOAuth(github);
    target = await createTestDatabase(kind);
    gateway = await startGateway({ auth: "github", turnTimeoutMs: 20_000, bodyLimitBytes: 1 << 20, maxSessions: 20 }, { copilot: { github }, signIn: { oauth, admins: ["Gus"] }, database: target.options, logger: createLogger("debug", (line) => logLines.push(line)) });
    origin = new URL(await gateway.listen()).origin;
  });
  afterAll(async () => {
    await gateway?.close();
    await target?.dispose();
    await oauth?.close();
    await github?.close();
  });

  /** The browser's round trip through GitHub; the session cookie and CSRF token it ends with, if any, and where it landed. */
  async function webSignIn(login: string): Promise<{ cookie: string | undefined; csrf: string | undefined; landed: string }> {
    oauth.signInAs({ login });
    const start = await fetch(`${origin}/auth/github/login`, { redirect: "manual" });
    const attempt = cookieOf(start, "cgw_oauth")!;
    const atGitHub = await fetch(start.headers.get("location")!, { redirect: "manual" });
    const back = await fetch(atGitHub.headers.get("location")!, { redirect: "manual", headers: { cookie: attempt } });
    const cookie = cookieOf(back, "cgw_session");
    handedOut.push(attempt.split("=")[1]!, ...(cookie ? [cookie.split("=")[1]!] : []));
    const me = cookie ? ((await (await fetch(`${origin}/auth/me`, { headers: { cookie } })).json()) as { csrf_token: string }) : undefined;
    return { cookie, csrf: me?.csrf_token, landed: back.headers.get("location")! };
  }

  async function newKey(session: { cookie: string | undefined; csrf: string | undefined }, name: string): Promise<{ id: string; key: string }> {
    const made = await fetch(`${origin}/auth/keys`, {
      method: "POST",
      headers: { cookie: session.cookie!, "x-csrf-token": session.csrf!, "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    expect(made.status).toBe(201);
    const key = (await made.json()) as { id: string; key: string };
    handedOut.push(key.key);
    return key;
  }

  const chat = async (credential: string) => {
    const response = await fetch(`${origin}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
      body: JSON.stringify({ model: "gpt-scripted", messages: [{ role: "user", content: `hello ${Math.random()}` }] }),
    });
    answers.push(await response.clone().text());
    return response;
  };
  /** Shown when an answer is not the one expected: its body and the gateway's last log lines (a turn that missed its deadline says where). */
  const why = () => [answers.at(-1), ...logLines.slice(-15)].join("\n");
  const people = () => gateway.database.db.selectFrom("people");
  const expireStoredToken = async (login: string) => {
    const person = await people().select("id").where("login", "=", login).executeTakeFirstOrThrow();
    await gateway.database.db.updateTable("person_grants").set({ access_expires_at: Date.now() - 1000 }).where("person_id", "=", person.id).execute();
    oauth.expireAccessToken(login);
  };

  it("uses an OAuth App's token, which never expires, as it is", async () => {
    oauth.useOAuthAppTokens(true);
    try {
      const gus = await newKey(await webSignIn("gus"), "gus laptop");
      expect((await chat(gus.key)).status, why()).toBe(200);
      expect(github.chatCalls().at(-1)).toMatchObject({ login: "gus", token: oauth.currentAccessToken("gus") });
      expect(oauth.currentAccessToken("gus")).toMatch(/^gho_/);
      const grant = await gateway.database.db.selectFrom("person_grants").innerJoin("people", "people.id", "person_grants.person_id").select(["access_expires_at", "refresh_token"]).where("login", "=", "gus").executeTakeFirstOrThrow();
      expect(grant).toEqual({ access_expires_at: null, refresh_token: null });
      expect(oauth.refreshes("gus")).toBe(0);
      // The person's own GitHub token still works on its own, beside the key.
      expect((await chat(oauth.currentAccessToken("gus")!)).status, why()).toBe(200);
    } finally {
      oauth.useOAuthAppTokens(false);
    }
  });

  it("answers 503 to retry when GitHub is out of reach for a refresh, and the next request refreshes once", async () => {
    const hana = await newKey(await webSignIn("hana"), "hana laptop");
    expect((await chat(hana.key)).status, why()).toBe(200);
    await expireStoredToken("hana");
    oauth.failNextRefreshes(1);
    const unreachable = await chat(hana.key);
    expect(unreachable.status).toBe(503);
    expect(unreachable.headers.get("retry-after")).not.toBeNull();
    expect(((await unreachable.json()) as { error: { code: string } }).error.code).toBe("github_unavailable");
    expect((await chat(hana.key)).status, why()).toBe(200);
    expect(oauth.refreshes("hana")).toBe(1);
    expect(github.chatCalls().at(-1)).toMatchObject({ login: "hana", token: oauth.currentAccessToken("hana") });
  });

  it("stops a disabled person's keys, saying why, and lets a person change only their own keys", async () => {
    const session = await webSignIn("hana");
    const key = await newKey(session, "hana desktop");
    await gateway.database.db.updateTable("people").set({ status: "disabled" }).where("login", "=", "hana").execute();
    const refused = await chat(key.key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("An administrator disabled your access");
    await gateway.database.db.updateTable("people").set({ status: "active" }).where("login", "=", "hana").execute();
    expect((await chat(key.key)).status, why()).toBe(200);

    const other = await webSignIn("gus");
    const headers = { cookie: other.cookie!, "x-csrf-token": other.csrf!, "content-type": "application/json" };
    expect((await fetch(`${origin}/auth/keys/${key.id}`, { method: "PATCH", headers, body: JSON.stringify({ name: "mine now" }) })).status).toBe(404);
    expect((await fetch(`${origin}/auth/keys/${key.id}`, { method: "DELETE", headers })).status).toBe(404);
    expect((await chat(key.key)).status, why()).toBe(200);
  });

  it("makes keys whose sign-in GitHub refused work again once their owner signs in anew", async () => {
    const session = await webSignIn("ivy");
    const key = await newKey(session, "ivy laptop");
    oauth.revokeGrant("ivy");
    await expireStoredToken("ivy");
    const refused = await chat(key.key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("sign_in_required");
    const me = (await (await fetch(`${origin}/auth/me`, { headers: { cookie: session.cookie! } })).json()) as { token_state: string; token_problem: string };
    expect(me).toMatchObject({ token_state: "refused", token_problem: expect.stringContaining("bad_refresh_token") });
    await webSignIn("ivy");
    expect((await chat(key.key)).status, why()).toBe(200);
    expect(github.chatCalls().at(-1)).toMatchObject({ login: "ivy", token: oauth.currentAccessToken("ivy") });
  });

  it("leaves nobody signed in when the person declines on GitHub", async () => {
    oauth.declineNext();
    const declined = await webSignIn("jo");
    expect(declined).toEqual({ cookie: undefined, csrf: undefined, landed: "/#/me?problem=declined" });
    expect(await people().select("login").where("login", "=", "jo").execute()).toEqual([]);
  });

  it("lets an admin signed in with GitHub use the admin API as themselves, changes only with the page's CSRF token; nobody else", async () => {
    const gus = await webSignIn("gus");
    const asGus = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
      fetch(`${origin}${path}`, { method, headers: { cookie: gus.cookie!, ...(body ? { "content-type": "application/json" } : {}), ...headers }, ...(body ? { body: JSON.stringify(body) } : {}) });
    expect((await asGus("GET", "/admin/keys")).status).toBe(200);
    expect((await asGus("POST", "/admin/keys", {}, { name: "made by gus" })).status).toBe(401);
    const made = await asGus("POST", "/admin/keys", { "x-csrf-token": gus.csrf! }, { name: "made by gus" });
    expect(made.status).toBe(201);
    handedOut.push(((await made.json()) as { key: string }).key);
    const audit = (await (await asGus("GET", "/admin/audit?action=key.create")).json()) as { data: Array<{ actor: string }> };
    expect(audit.data[0]!.actor).toBe("github:gus");
    // Someone GATEWAY_ADMINS does not name, or nobody at all, is no admin.
    const hana = await webSignIn("hana");
    expect((await fetch(`${origin}/admin/keys`, { headers: { cookie: hana.cookie! } })).status).toBe(401);
    expect((await fetch(`${origin}/admin/keys`)).status).toBe(401);
  });

  it("lets a signed-in admin disable a person, with the page's CSRF token, audited as github:<login>; the disabled person gets no new session or key", async () => {
    const gus = await webSignIn("gus");
    const kim = await webSignIn("kim");
    const key = await newKey(kim, "kim laptop");
    const person = await people().select("id").where("login", "=", "kim").executeTakeFirstOrThrow();
    const patch = (headers: Record<string, string>, status: string) =>
      fetch(`${origin}/admin/people/${person.id}`, { method: "PATCH", headers: { cookie: gus.cookie!, "content-type": "application/json", ...headers }, body: JSON.stringify({ status }) });
    // Without the page's token the cookie is not enough for a change.
    expect((await patch({}, "disabled")).status).toBe(401);
    expect((await chat(key.key)).status, why()).toBe(200);
    const disabled = await patch({ "x-csrf-token": gus.csrf!, "x-request-id": "req_gus_disables_kim" }, "disabled");
    expect(disabled.status).toBe(200);
    expect(await disabled.json()).toMatchObject({ login: "kim", status: "disabled", keys: [expect.objectContaining({ id: key.id, status: "active" })] });
    const refused = await chat(key.key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("person_disabled");
    const audit = (await (await fetch(`${origin}/admin/audit?target=${person.id}`, { headers: { cookie: gus.cookie! } })).json()) as { data: Array<Record<string, unknown>> };
    expect(audit.data).toEqual([expect.objectContaining({ actor: "github:gus", action: "person.disable", changes: { status: { from: "active", to: "disabled" } }, request_id: "req_gus_disables_kim" })]);
    // Signing in again gives them no session; a session from before makes no key.
    expect(await webSignIn("kim")).toEqual({ cookie: undefined, csrf: undefined, landed: "/#/me?problem=disabled" });
    const more = await fetch(`${origin}/auth/keys`, { method: "POST", headers: { cookie: kim.cookie!, "x-csrf-token": kim.csrf!, "content-type": "application/json" }, body: JSON.stringify({ name: "another" }) });
    expect(more.status).toBe(403);
    expect(((await more.json()) as { error: { code: string } }).error.code).toBe("person_disabled");
    expect((await patch({ "x-csrf-token": gus.csrf! }, "active")).status).toBe(200);
    expect((await chat(key.key)).status, why()).toBe(200);
  });

  it("shows no code, token, refresh token, cookie or key in the logs, the answers or the database", async () => {
    const secrets = [...oauth.issuedSecrets(), ...handedOut];
    expect(secrets.length).toBeGreaterThan(15);
    const tables = ["people", "person_grants", "api_keys", "usage_records"] as const;
    const dump = JSON.stringify(await Promise.all(tables.map((table) => gateway.database.db.selectFrom(table).selectAll().execute())));
    const places = { logs: logLines.join("\n"), answers: answers.join("\n"), database: dump };
    expect(places.logs).toContain("a person signed in");
    for (const [where, text] of Object.entries(places)) {
      for (const secret of secrets) expect(text.includes(secret), `${where} holds a secret`).toBe(false);
    }
  });
});
