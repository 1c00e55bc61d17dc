// GitHub mode as an operator starts it: a real gateway process with
// GATEWAY_AUTH=github and no identity of its own, on the scripted GitHub and
// Copilot API. Ready without a login; each caller's token is their seat.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { startScriptedGitHub, type ScriptedGitHub } from "../support/github-api.js";

const TOKEN = "gho_processTOKENabcdef0123456789";
let github: ScriptedGitHub;
let gateway: GatewayProcess;
let home: string;

beforeAll(async () => {
  github = await startScriptedGitHub({ tokens: { [TOKEN]: "erin" } });
  home = await mkdtemp(join(tmpdir(), "cgw-ghproc-"));
  gateway = await startGatewayProcess({
    // HOME is an empty temp dir: no login of this machine's may leak in.
    env: { HOME: home, GATEWAY_AUTH: "github", GATEWAY_GITHUB_API_URL: github.url, GATEWAY_LOG_LEVEL: "debug", ...github.env },
  });
});
afterAll(async () => {
  await gateway?.close();
  await github?.close();
  await rm(home, { recursive: true, force: true });
});

it("starts with no GitHub identity of its own, says whose seats it uses, and is ready", async () => {
  expect(gateway.startLine).toContain("auth: each caller's own GitHub token; callers: GitHub users on their own seats");
  const ready = await fetch(`${gateway.origin}/readyz`);
  expect(ready.status).toBe(200);
});

it("answers a caller on their own token, and nobody without one", async () => {
  const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ model: "gpt-scripted", messages: [{ role: "user", content: "hello from erin" }], stream: true }),
  });
  expect(response.status).toBe(200);
  const text = (await response.text())
    .split("\n")
    .filter((line) => line.startsWith("data: {"))
    .map((line) => (JSON.parse(line.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content ?? "")
    .join("");
  expect(text).toContain("hello from erin");
  expect(github.chatCalls().map((call) => call.login)).toEqual(["erin"]);
  const anonymous = await fetch(`${gateway.baseUrl}/models`);
  expect(anonymous.status).toBe(401);
  expect(gateway.stderr()).not.toContain(TOKEN);
});
