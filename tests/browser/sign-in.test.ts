// Signing in on the web, in Debian's Chromium against the real gateway and
// runtime, GitHub's OAuth and API scripted on loopback (github-oauth.ts,
// github-api.ts): "Sign in with GitHub" goes to GitHub with a state and a
// PKCE challenge and comes back signed in; the page names the person and
// their seat (and says plainly when there is none); a key is made (shown
// once), renamed and revoked; the key runs on that person's own seat; the
// session cookie is HttpOnly, SameSite=Lax and short-lived; a change without
// the page's CSRF token, or from another origin, is refused; an admin signed
// in uses the dashboard as themselves, without the admin key; the dashboard's
// People panel lists who signed in, and disabling one stops their key at
// once (enabled again with the admin key).
import { fileURLToPath } from "node:url";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConsoleAssets } from "../../src/node/console-assets.js";
import { SESSION_SECONDS } from "../../src/http/sign-in-session.js";
import { startGateway, type CopilotTestGateway } from "../support/gateway.js";
import { startScriptedGitHub, type ScriptedGitHub } from "../support/github-api.js";
import { startScriptedGitHubOAuth, type ScriptedGitHubOAuth } from "../support/github-oauth.js";
import { launchChromium } from "./support/chromium.js";

const SLOW = { timeout: 60_000 };
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const ADMIN_KEY = "browser-sign-in-admin-key-0123456789";

describe("signing in with GitHub in Chromium", () => {
  let github: ScriptedGitHub;
  let oauth: ScriptedGitHubOAuth;
  let gateway: CopilotTestGateway;
  let origin: string;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    github = await startScriptedGitHub({ tokens: {} });
    oauth = await startScriptedGitHubOAuth(github);
    const assets = await loadConsoleAssets([fileURLToPath(new URL("../../dist/console", import.meta.url))]);
    if (!assets) throw new Error("No built console: the vitest globalSetup builds it.");
    [gateway, browser] = await Promise.all([
      startGateway({ auth: "github", adminKey: ADMIN_KEY, turnTimeoutMs: 20_000, bodyLimitBytes: 1 << 20, maxSessions: 20 }, { copilot: { github }, signIn: { oauth, admins: ["erin"] }, console: assets }),
      launchChromium(),
    ]);
    origin = new URL(await gateway.listen()).origin;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await oauth?.close();
    await github?.close();
  });

  const signedInPage = async (login: string, copilot = true): Promise<{ context: BrowserContext; page: Page }> => {
    oauth.signInAs({ login, copilot });
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${origin}/#/me`);
    await page.getByRole("link", { name: "Sign in with GitHub" }).click();
    await page.getByTestId("login").waitFor();
    return { context, page };
  };

  it("goes to GitHub with state and an S256 challenge, and comes back signed in with a short-lived HttpOnly, SameSite=Lax cookie", SLOW, async () => {
    const { context, page } = await signedInPage("erin");
    expect(await page.getByTestId("login").textContent()).toBe("erin");
    expect(await page.getByTestId("seat").textContent()).toContain("You have a Copilot seat");
    expect(page.url()).toBe(`${origin}/#/me`);
    const authorize = oauth.requests.find((request) => request.path === "/login/oauth/authorize");
    expect(authorize).toMatchObject({ answer: "approved", login: "erin" });
    expect(oauth.requests.filter((request) => request.grant === "authorization_code").map((request) => request.answer)).toEqual(["granted"]);
    const cookies = await context.cookies(origin);
    const session = cookies.find((cookie) => cookie.name === "cgw_session")!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false, path: "/" });
    expect(session.expires * 1000 - Date.now()).toBeLessThanOrEqual(SESSION_SECONDS * 1000);
    expect(cookies.some((cookie) => cookie.name === "cgw_oauth")).toBe(false);
    // The page can read neither cookie.
    expect(await page.evaluate(() => document.cookie)).toBe("");
    // Signing out ends the session in this browser.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("link", { name: "Sign in with GitHub" }).waitFor();
    expect((await context.cookies(origin)).some((cookie) => cookie.name === "cgw_session")).toBe(false);
    expect(problems.splice(0)).toEqual([]);
    await context.close();
  });

  it("makes a key shown once, which runs on the person's own seat; renames and revokes it", SLOW, async () => {
    const { context, page } = await signedInPage("erin");
    await page.getByLabel("Name of a new key").fill("laptop");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = await page.getByLabel("Key laptop").inputValue();
    expect(secret).toMatch(/^sk-cgw-/);
    await page.screenshot({ path: "test-artifacts/console-your-keys.png", fullPage: true });
    const axe = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
    expect(axe.violations.map((violation) => violation.id)).toEqual([]);

    const chat = () =>
      fetch(`${origin}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
        body: JSON.stringify({ model: "gpt-scripted", messages: [{ role: "user", content: "hello from erin's laptop" }] }),
      });
    const answer = await chat();
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toContain("hello from erin's laptop");
    expect(github.chatCalls().at(-1)).toMatchObject({ login: "erin", token: oauth.currentAccessToken("erin") });

    await page.getByRole("button", { name: "Done" }).click();
    await page.reload();
    await expect.poll(() => page.getByRole("rowheader", { name: "laptop" }).count()).toBe(1);
    expect(await page.content()).not.toContain(secret);
    await page.getByRole("button", { name: "Rename laptop" }).click();
    await page.getByLabel("New name of laptop").fill("work laptop");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("rowheader", { name: "work laptop" }).waitFor();
    await page.getByRole("button", { name: "Revoke work laptop" }).click();
    await page.getByRole("button", { name: "Confirm: revoke work laptop for good" }).click();
    await page.getByText("No keys yet.").waitFor();
    expect((await chat()).status).toBe(401);
    expect(problems.splice(0)).toEqual([]);
    await context.close();
  });

  it("says plainly when the person has no Copilot seat, and makes no key for them", SLOW, async () => {
    const { context, page } = await signedInPage("frank", false);
    expect(await page.getByTestId("seat").textContent()).toContain("has no Copilot seat");
    expect(await page.getByLabel("Name of a new key").count()).toBe(0);
    expect(problems.splice(0)).toEqual([]);
    await context.close();
  });

  it("refuses a change without the page's CSRF token, or from another origin", SLOW, async () => {
    const { context, page } = await signedInPage("erin");
    const cookie = (await context.cookies(origin)).map((c) => `${c.name}=${c.value}`).join("; ");
    const me = (await page.evaluate(() => fetch("/auth/me").then((response) => response.json()))) as { csrf_token: string };
    const post = (headers: Record<string, string>) =>
      fetch(`${origin}/auth/keys`, { method: "POST", headers: { "content-type": "application/json", cookie, ...headers }, body: JSON.stringify({ name: "forged" }) });
    expect((await post({})).status).toBe(403);
    expect((await post({ "x-csrf-token": "not-the-token" })).status).toBe(403);
    expect((await post({ "x-csrf-token": me.csrf_token, origin: "https://evil.example" })).status).toBe(403);
    expect((await post({ "x-csrf-token": me.csrf_token, origin })).status).toBe(201);
    // Without the cookie, nobody is signed in.
    expect((await fetch(`${origin}/auth/me`)).status).toBe(401);
    await context.close();
  });

  it("lets an admin signed in use the dashboard as themselves, without the admin key, and asks anyone else for it", SLOW, async () => {
    const { context, page } = await signedInPage("erin");
    await page.goto(`${origin}/#/usage`);
    const form = page.getByRole("form", { name: "New key" });
    await form.getByLabel("Name").fill("erin's team key");
    await form.getByRole("button", { name: "Create key" }).click();
    expect(await page.getByLabel("Secret of erin's team key").inputValue()).toMatch(/^sk-cgw-/);
    expect(await page.getByLabel("Admin key", { exact: true }).count()).toBe(0);
    const audit = (await page.evaluate(() => fetch("/admin/audit?action=key.create").then((response) => response.json()))) as { data: Array<{ actor: string }> };
    expect(audit.data[0]!.actor).toBe("github:erin");
    await context.close();

    const other = await signedInPage("frank", false);
    await other.page.goto(`${origin}/#/usage`);
    await other.page.getByLabel("Admin key", { exact: true }).waitFor();
    expect(problems.splice(0)).toEqual([]);
    await other.context.close();
  });

  it("lists the people on the dashboard; a signed-in admin disables one, whose key stops at once; the admin key enables them again", SLOW, async () => {
    const gabe = await signedInPage("gabe");
    await gabe.page.getByLabel("Name of a new key").fill("gabe laptop");
    await gabe.page.getByRole("button", { name: "Create key" }).click();
    const secret = await gabe.page.getByLabel("Key gabe laptop").inputValue();
    await gabe.context.close();
    const chat = () =>
      fetch(`${origin}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
        body: JSON.stringify({ model: "gpt-scripted", messages: [{ role: "user", content: "hello from gabe" }] }),
      });
    expect((await chat()).status).toBe(200);

    const { context, page } = await signedInPage("erin");
    await page.goto(`${origin}/#/usage`);
    const panel = page.getByRole("region", { name: "People" });
    const gabeRow = panel.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "gabe", exact: true }) });
    await gabeRow.waitFor();
    expect(await gabeRow.textContent()).toMatch(/^gabeactiveactivevalidgabe laptop sk-cgw-…\S{4} \(active, last used .+\)/);
    expect(await gabeRow.textContent()).not.toContain("never");
    await panel.getByRole("button", { name: "Disable gabe" }).click();
    await panel.getByRole("button", { name: "Confirm: disable gabe and stop all their keys" }).click();
    await panel.getByRole("button", { name: "Enable gabe" }).waitFor();
    expect(await gabeRow.getByRole("cell").nth(1).textContent()).toBe("disabled");
    const refused = await chat();
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("person_disabled");
    await page.getByRole("row").filter({ hasText: "person disabled" }).filter({ hasText: "github:erin" }).first().waitFor();
    const axe = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
    expect(axe.violations.map((violation) => violation.id)).toEqual([]);
    await panel.screenshot({ path: "test-artifacts/console-people.png" });
    await context.close();

    // The holder of the admin key, signed in as nobody, enables him again.
    const keyHolder = await browser.newContext();
    const adminPage = await keyHolder.newPage();
    adminPage.on("pageerror", (error) => problems.push(error.message));
    await adminPage.goto(`${origin}/#/usage`);
    await adminPage.getByLabel("Admin key", { exact: true }).fill(ADMIN_KEY);
    await adminPage.getByLabel("Admin key", { exact: true }).press("Enter");
    await adminPage.getByRole("region", { name: "People" }).getByRole("button", { name: "Enable gabe" }).click();
    await adminPage.getByRole("region", { name: "People" }).getByRole("button", { name: "Disable gabe" }).waitFor();
    expect((await chat()).status).toBe(200);
    const audit = (await (await fetch(`${origin}/admin/audit?action=person.enable`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { data: Array<{ actor: string }> };
    expect(audit.data.map((change) => change.actor)).toEqual(["admin-key"]);
    expect(problems.splice(0)).toEqual([]);
    await keyHolder.close();
  });

  it("sends a browser that comes back with a forged state to sign in again, signed in as nobody", SLOW, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/auth/github/callback?code=anything&state=forged`);
    await page.getByRole("link", { name: "Sign in with GitHub" }).waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("sign in again");
    expect((await context.cookies(origin)).some((cookie) => cookie.name === "cgw_session")).toBe(false);
    await context.close();
  });
});
