// Signing in from a terminal, as people do it: two real gateway processes on
// one database (an SQLite file they share, or PostgreSQL), the company's
// GitHub App and GitHub's API scripted on loopback (github-oauth.ts,
// github-api.ts), and `copilot-gateway login` and `setup` run as real
// processes with a HOME of their own. The personal key runs on its owner's
// seat (the runtime's calls carry their token); a token that expires between
// two requests is refreshed once, whichever process sees it first; a refresh
// GitHub refuses stops the keys with a 401 that says to sign in again; and no
// code, token, refresh token or key is ever in a log, an answer or the
// database in clear.
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayDatabase } from "../../src/storage/database.js";
import { DATABASE_KINDS, type DatabaseKind, type TestDatabase } from "../support/databases.js";
import { runCliProcess } from "../support/cli-process.js";
import type { GatewayProcess } from "../support/gateway-process.js";
import type { ScriptedGitHub } from "../support/github-api.js";
import { CLIENT_ID, CLIENT_SECRET, type ScriptedGitHubOAuth } from "../support/github-oauth.js";
import { startSignInProcesses, type SignInProcesses } from "../support/sign-in-processes.js";

const SLOW = 180_000;
const SECRET_KEY = "process-test-secret-key-0123456789abcdef";
const PUBLIC_URL = "https://gateway.example";

const run = runCliProcess;

/** Debug logs: the secret scans read the most the gateway writes. */
const DEBUG_LOG = { GATEWAY_LOG_LEVEL: "debug" };

it("stops at start when a piece of sign-in is missing, naming the setting", { timeout: SLOW }, async () => {
  const home = await mkdtemp(join(tmpdir(), "cgw-signin-"));
  try {
    const started = await run([], { HOME: home, GATEWAY_AUTH: "github", GATEWAY_GITHUB_CLIENT_ID: CLIENT_ID, GATEWAY_SECRET_KEY: SECRET_KEY, GATEWAY_PUBLIC_URL: PUBLIC_URL, PORT: "0" });
    expect(started.code).toBe(2);
    expect(started.stderr).toContain("GATEWAY_GITHUB_CLIENT_SECRET");
    expect(started.stderr).not.toContain(SECRET_KEY);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

describe.each(DATABASE_KINDS)("signing in from a terminal, two processes on %s", (kind: DatabaseKind) => {
  let processes: SignInProcesses;
  let github: ScriptedGitHub;
  let oauth: ScriptedGitHubOAuth;
  let target: TestDatabase;
  let database: GatewayDatabase;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let home: string;
  let personHome: string;
  /** Everything a person's terminal and the gateways' answers showed, for the secret scan. */
  const shown: string[] = [];
  const cli = async (args: string[]) => {
    const result = await run(args, { HOME: personHome });
    shown.push(result.stdout, result.stderr);
    return result;
  };
  const key = async () => (JSON.parse(await readFile(join(personHome, ".config", "copilot-gateway", "credentials.json"), "utf8")) as { key: string }).key;
  const ask = async (gateway: GatewayProcess, path: string, body: Record<string, unknown>) => {
    const response = await fetch(`${gateway.origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await key()}`, "anthropic-version": "2023-06-01" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    shown.push(text);
    return { status: response.status, body: JSON.parse(text) as Record<string, any> };
  };
  const chat = (gateway: GatewayProcess, content: string) => ask(gateway, "/v1/chat/completions", { model: "gpt-scripted", messages: [{ role: "user", content }] });
  const expireStoredToken = () => database.db.updateTable("person_grants").set({ access_expires_at: Date.now() - 1000 }).execute();

  beforeAll(async () => {
    personHome = await mkdtemp(join(tmpdir(), "cgw-signin-person-"));
    processes = await startSignInProcesses(kind, { secretKey: SECRET_KEY, publicUrl: PUBLIC_URL, env: DEBUG_LOG, prepare: (oauth) => oauth.signInAs({ login: "dana" }) });
    ({ github, oauth, target, database, a, b, home } = processes);
  }, SLOW);
  afterAll(async () => {
    await processes?.close();
    await rm(personHome, { recursive: true, force: true });
  });

  it("login shows the code and where to enter it, polls as GitHub asks, and keeps a personal key", { timeout: SLOW }, async () => {
    oauth.scriptNextDevice(["authorization_pending", "slow_down", "grant"]);
    const login = await cli(["login", "--url", a.origin]);
    expect(login.stderr).toBe("");
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`open ${oauth.url}/login/device and enter the code WDJB-MJHT`);
    expect(login.stdout).toContain("Signed in as dana");
    const polls = oauth.requests.filter((request) => request.grant === "device_code").map((request) => request.answer);
    expect(polls).toEqual(["authorization_pending", "slow_down", "granted"]);
    const credentials = join(personHome, ".config", "copilot-gateway", "credentials.json");
    expect((await stat(credentials)).mode & 0o777).toBe(0o600);
    expect(await key()).toMatch(/^sk-cgw-/);
  });

  it("ends a login whose code expired or was declined, saying which", { timeout: SLOW }, async () => {
    oauth.scriptNextDevice(["expired_token"]);
    const expired = await cli(["login", "--url", a.origin]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(/the code expired before it was entered/);
    oauth.scriptNextDevice(["authorization_pending", "access_denied"]);
    const declined = await cli(["login", "--url", a.origin]);
    expect(declined.code).toBe(1);
    expect(declined.stderr).toMatch(/declined on GitHub/);
  });

  it("runs the personal key on its owner's own seat, through either process", { timeout: SLOW }, async () => {
    for (const gateway of [a, b]) {
      const answer = await chat(gateway, `hello from dana via ${gateway === a ? "a" : "b"}`);
      expect(answer.status).toBe(200);
      expect(answer.body.choices[0].message.content).toContain("hello from dana");
      const call = github.chatCalls().at(-1)!;
      expect(call.login).toBe("dana");
      expect(call.token).toBe(oauth.currentAccessToken("dana"));
    }
  });

  it("setup writes the key and address into Claude Code's, Codex's and opencode's own configs", { timeout: SLOW }, async () => {
    await mkdir(join(personHome, ".codex"), { recursive: true });
    await writeFile(join(personHome, ".codex", "config.toml"), 'model = "gpt-5"\nmodel_provider = "openai"\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\n');
    const secret = await key();
    const claude = await cli(["setup", "claude-code"]);
    expect(claude.code).toBe(0);
    expect(claude.stdout).toContain(join(personHome, ".claude", "settings.json"));
    const settings = JSON.parse(await readFile(join(personHome, ".claude", "settings.json"), "utf8")) as { env: Record<string, string> };
    expect(settings.env).toEqual({ ANTHROPIC_BASE_URL: a.origin, ANTHROPIC_AUTH_TOKEN: secret });

    const codex = await cli(["setup", "codex"]);
    expect(codex.code).toBe(0);
    expect(codex.stdout).toContain('model_provider = "copilot-gateway" (was: "openai")');
    const toml = await readFile(join(personHome, ".codex", "config.toml"), "utf8");
    expect(toml.split("[")[0]).toContain('model_provider = "copilot-gateway"');
    expect(toml).not.toContain('"openai"');
    expect(toml).toContain('model = "gpt-5"');
    expect(toml).toContain('[mcp_servers.docs]\ncommand = "docs-mcp"');
    expect(toml).toContain(`[model_providers.copilot-gateway]\nname = "Copilot via gateway"\nbase_url = "${a.origin}/v1"\nwire_api = "responses"\nexperimental_bearer_token = "${secret}"`);
    // Again: the provider is replaced, not added twice.
    expect((await cli(["setup", "codex"])).code).toBe(0);
    expect((await readFile(join(personHome, ".codex", "config.toml"), "utf8")).match(/\[model_providers\.copilot-gateway\]/g)).toHaveLength(1);

    const opencode = await cli(["setup", "opencode"]);
    expect(opencode.code).toBe(0);
    const config = JSON.parse(await readFile(join(personHome, ".config", "opencode", "opencode.json"), "utf8")) as Record<string, any>;
    expect(config.provider["copilot-gateway"].options).toEqual({ baseURL: `${a.origin}/v1`, apiKey: secret });
    // What GET /v1/models lists for this key: dana's own models (and the runtime's "auto").
    expect(Object.keys(config.provider["copilot-gateway"].models)).toEqual(["auto", "gpt-scripted", "premium-scripted"]);
    expect(config.model).toBe("copilot-gateway/auto");
    for (const output of [claude, codex, opencode]) expect(output.stdout).not.toContain(secret);
  });

  it("refreshes a token that expired between two requests once, across both processes", { timeout: SLOW }, async () => {
    const before = oauth.currentAccessToken("dana")!;
    // Eight hours pass: GitHub no longer takes the token, and the gateway's record says it has expired.
    oauth.expireAccessToken("dana");
    await expireStoredToken();
    const [viaA, viaB] = await Promise.all([chat(a, "after expiry via a"), chat(b, "after expiry via b")]);
    expect([viaA.status, viaB.status]).toEqual([200, 200]);
    expect(oauth.refreshes("dana")).toBe(1);
    const after = oauth.currentAccessToken("dana")!;
    expect(after).not.toBe(before);
    expect(github.chatCalls().slice(-2).map((call) => call.token)).toEqual([after, after]);
    // At rest the grant is sealed: neither token, nor the refresh token, in clear.
    const grant = await database.db.selectFrom("person_grants").selectAll().executeTakeFirstOrThrow();
    expect(grant.access_token).toMatch(/^v1\./);
    expect(grant.refresh_token).toMatch(/^v1\./);
  });

  it("stops the keys with a 401 saying to sign in again when GitHub refuses the refresh, and records why", { timeout: SLOW }, async () => {
    oauth.revokeGrant("dana");
    await expireStoredToken();
    const refused = await chat(b, "after revocation");
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("sign_in_required");
    expect(refused.body.error.message).toMatch(/GitHub refused to renew your sign-in/);
    expect(refused.body.error.message).toContain(`copilot-gateway login --url ${PUBLIC_URL}`);
    // Anthropic's clients (Claude Code) get it in Anthropic's shape, from the other process too.
    const messages = await ask(a, "/v1/messages", { model: "gpt-scripted", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
    expect(messages.status).toBe(401);
    expect(messages.body).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(messages.body.error.message).toMatch(/sign in again/i);
    const person = await database.db.selectFrom("people").selectAll().executeTakeFirstOrThrow();
    expect(person).toMatchObject({ login: "dana", token_state: "refused" });
    expect(person.token_problem).toContain("bad_refresh_token");
    expect(a.stderr() + b.stderr()).toContain("a person's GitHub sign-in ended");
  });

  it("shows no code, token, refresh token or key in logs, answers or the database", { timeout: SLOW }, async () => {
    const secrets = [...oauth.issuedSecrets(), await key(), CLIENT_SECRET, SECRET_KEY];
    expect(secrets.length).toBeGreaterThan(6);
    const tables = ["people", "person_grants", "api_keys", "usage_records", "stored_responses", "request_windows"] as const;
    const dump = JSON.stringify(await Promise.all(tables.map((table) => database.db.selectFrom(table).selectAll().execute())));
    expect(dump).toContain("dana");
    const places = { logs: a.stderr() + b.stderr(), answers: shown.join("\n"), database: dump };
    for (const [where, text] of Object.entries(places)) {
      for (const secret of secrets) expect(text.includes(secret), `${where} holds a secret`).toBe(false);
    }
  });
});
