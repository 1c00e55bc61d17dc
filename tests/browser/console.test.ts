// The web console in a real browser (Debian's Chromium, driven by
// playwright-core) against the real gateway, runtime and scripted model: the
// page loads without a key and asks for one; a streamed answer appears as it
// arrives; a tool loop completes from the page; Stop aborts at the upstream;
// the conversation survives a reload; the dashboard shows the usage these
// tests made, the latest tool calls, manages keys and shows who changed them; keyboard-only use works; axe-core finds no
// WCAG 2 A/AA violation. Screenshots of both pages go to test-artifacts/.
import { join } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AppConfig } from "../../src/http/app.js";
import { TEST_MODEL } from "../support/gateway.js";
import { toolCall } from "../support/tool-calls.js";
import { ARTIFACTS, launchChromium } from "./support/chromium.js";
import { startConsoleGateway, type ConsoleGateway } from "./support/console-gateway.js";

const API_KEY = "static-key-for-tests";
const ADMIN_KEY = "admin-key-for-browser-tests";
// The host rule on, as for a keyless gateway on loopback, to show the page lives with it.
const CONFIG: Partial<AppConfig> = { apiKeys: [API_KEY], adminKey: ADMIN_KEY, loopbackHostsOnly: true };
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const SLOW = { timeout: 60_000 };

describe("the web console in Chromium", () => {
  let target: ConsoleGateway;
  let browser: Browser;
  /** The playground page the chat tests share, in one browser context (one localStorage). */
  let playground: Page;
  /** Uncaught errors and CSP refusals on any page: each test ends with none. */
  const pageProblems: string[] = [];
  const newPage = async (options: Parameters<Browser["newContext"]>[0] = {}) => {
    const page = await (await browser.newContext(options)).newPage();
    page.on("pageerror", (error) => pageProblems.push(`uncaught: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && /Content.Security.Policy/i.test(message.text())) pageProblems.push(`CSP: ${message.text()}`);
    });
    return page;
  };

  beforeAll(async () => {
    [target, browser] = await Promise.all([startConsoleGateway(CONFIG), launchChromium()]);
    playground = await newPage();
  }, 60_000);
  afterEach(() => {
    expect(pageProblems.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await target?.gateway.close();
  });

  const upstream = () => target.gateway.upstream;

  it("serves the page at / and /console without a key, under a strict CSP, leaving the API's auth and host rule as they were", async () => {
    const page = await fetch(`${target.origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'; script-src 'self'; style-src 'self'");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${target.origin}/console`)).status).toBe(200);
    expect((await fetch(`${target.origin}/console/`, { headers: { "if-none-match": page.headers.get("etag")! } })).status).toBe(304);

    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${target.origin}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const missing = await fetch(`${target.origin}/console/assets/missing.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("unknown_url");

    expect((await fetch(`${target.origin}/v1/models`)).status).toBe(401);
    expect((await fetch(`${target.origin}/admin/status`)).status).toBe(401);
    expect((await fetch(`${target.origin}/`, { method: "POST" })).status).toBe(401);
    expect((await fetch(`${target.origin}/healthz`)).status).toBe(200);
    expect((await target.gateway.app.request("/", { headers: { host: "rebound.example" } })).status).toBe(403);
  });

  it("asks for a key, then streams an answer as it arrives, with reasoning folded away, its usage and time to first token", SLOW, async () => {
    upstream().respondInOrder({
      steps: [{ reasoning: "Weighing the question." }, { text: "Streaming " }, { delayMs: 1_500 }, { text: "works." }],
      usage: { prompt_tokens: 21, completion_tokens: 4 },
    });
    const page = playground;
    await page.goto(`${target.origin}/`);
    await page.getByRole("heading", { name: "API key or GitHub token needed" }).waitFor();
    await page.getByLabel("API key or GitHub token", { exact: true }).fill(API_KEY);
    await page.getByRole("button", { name: "Use this key" }).click();
    await expect.poll(() => page.getByLabel("Model", { exact: true }).inputValue()).toBe(TEST_MODEL);

    await page.getByLabel("Message").fill("Does streaming work?");
    await page.getByLabel("Message").press("Enter");
    const answer = page.locator(".entry.assistant .answer-text").last();
    // The first half is on the page while the model is still answering.
    await expect.poll(() => answer.textContent()).toBe("Streaming ");
    expect(await page.getByRole("button", { name: "Stop" }).isVisible()).toBe(true);
    await expect.poll(() => answer.textContent(), { timeout: 10_000 }).toBe("Streaming works.");

    const reasoning = page.locator(".entry.assistant details.reasoning").last();
    expect(await reasoning.evaluate((details: HTMLDetailsElement) => details.open)).toBe(false);
    expect(await reasoning.textContent()).toContain("Weighing the question.");
    const figures = await page.locator(".entry.assistant .figures").last().textContent();
    expect(figures).toMatch(/first token after \d+ ms/);
    expect(figures).toContain("21 tokens in, 4 out");
    expect(figures).toContain("finish: stop");
  });

  it("completes a tool loop from the page: the model calls a tool, the user types its result, the model answers", SLOW, async () => {
    upstream().respondInOrder(
      { steps: [{ toolCall: { id: "call_weather_1", name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { steps: [{ text: "It is sunny in Paris, 24 °C." }] },
    );
    const page = playground;
    const calls = upstream().calls.length;
    await page.getByLabel("Message").fill("What is the weather in Paris?");
    await page.getByLabel("Message").press("Enter");
    const result = page.getByLabel(/Result of get_weather/);
    await result.waitFor();
    expect(await page.locator(".tool-call").last().textContent()).toContain('{"city":"Paris"}');
    await result.fill("sunny, 24 °C");
    await page.getByRole("button", { name: "Send tool result" }).click();
    await page.getByText("It is sunny in Paris, 24 °C.").waitFor();
    await page.getByRole("button", { name: "Send" }).waitFor();

    const offered = upstream().calls[calls]!.request;
    expect(offered.tools?.map((tool) => tool.function.name)).toEqual(["get_weather"]);
    const answered = upstream().calls.at(-1)!.request.messages;
    expect(answered).toContainEqual(expect.objectContaining({ role: "tool", tool_call_id: "call_weather_1", content: "sunny, 24 °C" }));
    await page.screenshot({ path: join(ARTIFACTS, "console-playground.png"), fullPage: true });
  });

  it("keeps the conversation across a reload, and the key only when the user asks it to", SLOW, async () => {
    const page = playground;
    await page.reload();
    await page.getByText("It is sunny in Paris, 24 °C.").waitFor();
    expect(await page.locator(".entry").count()).toBe(6);
    // The key was not to be remembered: the page asks again, and it is nowhere in storage.
    await page.getByRole("heading", { name: "API key or GitHub token needed" }).waitFor();
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(API_KEY);

    await page.getByLabel("API key or GitHub token", { exact: true }).fill(API_KEY);
    await page.getByLabel("Remember it in this browser").check();
    await page.getByRole("button", { name: "Use this key" }).click();
    await page.getByRole("heading", { name: "API key or GitHub token needed" }).waitFor({ state: "detached" });
    await page.reload();
    await expect.poll(() => page.getByLabel("Model", { exact: true }).inputValue()).toBe(TEST_MODEL);
    expect(await page.getByRole("heading", { name: "API key or GitHub token needed" }).count()).toBe(0);
  });

  it("stops a running answer, and the abort reaches the upstream model call", SLOW, async () => {
    upstream().respondInOrder({ steps: [{ text: "Once upon a time" }, { delayMs: 20_000 }, { text: " the end." }] });
    const page = playground;
    const calls = upstream().calls.length;
    await page.getByLabel("Message").fill("Tell me a long story.");
    await page.getByLabel("Message").press("Enter");
    await page.getByText("Once upon a time").waitFor();
    const stoppedAt = Date.now();
    await page.getByRole("button", { name: "Stop" }).click();
    await expect(upstream().calls[calls]!.aborted).resolves.toBe(true);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    await page.locator(".entry.assistant .notice", { hasText: "Stopped." }).waitFor();
    expect(await page.getByRole("button", { name: "Retry" }).isVisible()).toBe(true);
  });

  it("passes axe-core's WCAG 2 A and AA checks on the playground, mid tool loop", SLOW, async () => {
    upstream().respondInOrder({ steps: [{ reasoning: "A tool is needed." }, { toolCall: { id: "call_weather_2", name: "get_weather", arguments: '{"city":"Oslo"}' } }] });
    const page = playground;
    await page.getByLabel("Message").fill("And in Oslo?");
    await page.getByLabel("Message").press("Enter");
    await page.getByLabel(/Result of get_weather/).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it("works from the keyboard alone: key, message, answer, then the usage page and its admin key", SLOW, async () => {
    const page = await newPage();
    await page.goto(`${target.origin}/`);
    await page.getByRole("heading", { name: "API key or GitHub token needed" }).waitFor();
    await tabTo(page, "#key-api");
    await page.keyboard.type(API_KEY);
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByLabel("Model", { exact: true }).inputValue()).toBe(TEST_MODEL);
    await tabTo(page, "#message");
    await page.keyboard.type("Typed without a mouse");
    await page.keyboard.press("Enter");
    await page.getByText("echo: Typed without a mouse").waitFor();

    await tabTo(page, 'nav a[href="#/usage"]');
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Admin key needed" }).waitFor();
    await tabTo(page, "#key-admin");
    await page.keyboard.type(ADMIN_KEY);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Top spenders" }).waitFor();
    await page.context().close();
  });

  it("shows an admin the usage these tests made: charts over time, top spenders, errors, tool calls, live turns; keys made, limited and revoked, and the audit of those changes", SLOW, async () => {
    // Written as a turn's execution writes it: a server-side call a minute ago.
    await target.gateway.toolCalls.record(toolCall({ at: Date.now() - 60_000, caller: "octocat", keyId: null, model: TEST_MODEL, server: "tickets", tool: "search_issues", outcome: "timeout", durationMs: 2_345 }));
    const page = await newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${target.origin}/console#/usage`);
    await page.getByLabel("Admin key", { exact: true }).fill(ADMIN_KEY);
    await page.getByRole("button", { name: "Use this key" }).click();

    // Three uPlot charts, drawn on canvases, with their numbers in tables too.
    await expect.poll(() => page.locator(".chart canvas").count()).toBe(3);
    const [mine] = await target.gateway.usage.report({ groupBy: ["key"] });
    expect(mine!.requests).toBeGreaterThanOrEqual(6);
    const spenders = page.getByRole("region", { name: "Top spenders" });
    expect(await spenders.getByRole("row", { name: new RegExp(mine!.group.key!) }).getByRole("cell").first().textContent()).toBe(String(mine!.requests));
    const errors = page.getByRole("region", { name: "Errors by kind" });
    expect(await errors.getByRole("row", { name: /stopped by the client/ }).textContent()).toContain("cancelled");
    const toolCalls = page.getByRole("region", { name: "Tool calls" });
    const cells = await toolCalls.getByRole("row", { name: /octocat/ }).locator("td, th").allTextContents();
    expect(cells.slice(1)).toEqual(["octocat", TEST_MODEL, "tickets", "search_issues", "timeout", "2345 ms"]);
    // No sign-in on this gateway: the People panel says so, and the admin key still counts.
    expect(await page.getByRole("region", { name: "People" }).textContent()).toContain("This gateway has no sign-in with GitHub.");

    // A turn running now shows as one, within the status's refresh.
    upstream().respondInOrder({ steps: [{ text: "busy" }, { delayMs: 20_000 }] });
    const running = new AbortController();
    const busy = await fetch(`${target.origin}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: TEST_MODEL, stream: true, messages: [{ role: "user", content: "keep busy" }] }),
      signal: running.signal,
    });
    expect(busy.status).toBe(200);
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => page.locator('[data-figure="turns-in-flight"]').textContent()).toBe("1");
    running.abort();

    // A key with a budget and MCP servers: made, used, shown with what is left, limited further, revoked.
    const form = page.getByRole("form", { name: "New key" });
    await form.getByLabel("Name").fill("data team");
    await form.getByLabel("Owner (person or team)").fill("alice");
    await form.getByLabel("MCP servers (comma list; *: all; empty: none)").fill("github, docs");
    await form.getByLabel("Budget period").selectOption("day");
    await form.getByLabel("Budget: tokens").fill("1000");
    await form.getByRole("button", { name: "Create key" }).click();
    const secret = await page.getByLabel("Secret of data team").inputValue();
    expect(secret).toMatch(/^sk-cgw-/);
    await page.getByRole("button", { name: "Done" }).click();
    const used = await fetch(`${target.origin}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: "user", content: "spend a little" }] }),
    });
    expect(used.status).toBe(200);
    const budgets = page.getByRole("region", { name: "Budgets" });
    // The scripted model's usage, as the runtime reported it, is taken off the budget.
    const spentByKey = async () => (await target.gateway.usage.report({ groupBy: ["key"] })).find((row) => row.group.key !== mine!.group.key);
    await expect.poll(spentByKey).toBeDefined();
    const spent = (await spentByKey())!;
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => budgets.getByRole("row", { name: /data team/ }).textContent()).toContain(`${1000 - spent.input_tokens - spent.output_tokens} of 1000`);

    await page.getByRole("button", { name: "Edit data team" }).click();
    await page.getByRole("form", { name: "Edit data team" }).getByLabel("Requests per minute").fill("30");
    await page.getByRole("button", { name: "Save changes" }).click();
    const keys = page.getByRole("region", { name: "Keys" });
    await expect.poll(() => keys.getByRole("row", { name: /data team/ }).textContent()).toContain("30/min");
    expect(await keys.getByRole("row", { name: /data team/ }).textContent()).toContain("MCP servers: github, docs");
    await page.screenshot({ path: join(ARTIFACTS, "console-usage.png"), fullPage: true });

    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "Revoke data team" }).click();
    await page.getByRole("button", { name: "Confirm: revoke data team for good" }).click();
    await expect.poll(() => keys.getByRole("row", { name: /data team/ }).textContent()).toContain("revoked");
    const stored = (await target.gateway.keys.list()).find((key) => key.name === "data team");
    expect(stored).toMatchObject({ owner: "alice", status: "revoked", rpm_limit: 30, budget: { period: "day", tokens: 1000 }, mcp_servers: ["github", "docs"] });

    // Each of those changes, newest first, made with the admin key: the audit of admin changes.
    const changes = page.getByRole("region", { name: "Admin changes" });
    const rows = changes.getByRole("row", { name: /data team \(alice\)/ });
    await expect.poll(() => rows.count()).toBe(3);
    const changeCells = async (index: number) => (await rows.nth(index).locator("td, th").allTextContents()).slice(1);
    expect(await changeCells(0)).toEqual(["admin-key", "data team (alice)", "revoked", 'status: "active" → "revoked"']);
    expect(await changeCells(1)).toEqual(["admin-key", "data team (alice)", "changed", "rpm_limit: 30"]);
    const [by, , action, made] = await changeCells(2);
    expect([by, action]).toEqual(["admin-key", "created"]);
    expect(made).toContain('owner: "alice"');
    expect(made).toContain('mcp_servers: ["github","docs"]');
    expect(made).not.toContain("sk-cgw-");
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.context().close();
  });
});

/** axe-core's WCAG 2.0/2.1 A and AA findings on the page as it is now, one line each: rule and elements. */
async function accessibilityViolations(page: Page): Promise<string[]> {
  const report = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  return report.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
}

/** Presses Tab until the element matching `selector` has the focus, and checks the focus can be seen. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let presses = 0; presses < 40; presses++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate((wanted) => {
      const active = document.activeElement;
      if (!active?.matches(wanted)) return undefined;
      return getComputedStyle(active).outlineStyle;
    }, selector);
    if (focused !== undefined) {
      expect(focused, `focus ring on ${selector}`).not.toBe("none");
      return;
    }
  }
  throw new Error(`Tab never reached ${selector}`);
}
