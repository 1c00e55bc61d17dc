// The gateway on the GitHub Copilot CLI from npm (`@github/copilot`, pinned
// in devDependencies) run as its external runtime — `copilot --headless
// --no-auto-update --port N` — beside the SDK's bundled runtime
// (external-runtime.test.ts). BYOK: the CLI needs no GitHub login.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { expectNativeLoop, runOpenAILoop, toolLoopResponder } from "../support/agent.js";
import { chatBody, readSseData, startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { copilotCli, startHeadlessRuntime, type HeadlessRuntime } from "../support/headless.js";

const pinned = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { devDependencies: Record<string, string> })
  .devDependencies["@github/copilot"];

let home: string;
let cli: HeadlessRuntime;
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  // The CLI's COPILOT_HOME, shared with the gateway (runtimeHome) so history can be seeded.
  home = await mkdtemp(join(tmpdir(), "cgw-cli-home-"));
  cli = await startHeadlessRuntime({ binary: "cli", home });
  gw = await startGateway({}, { externalRuntimeUrl: cli.url, runtimeHome: home });
  client = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await cli?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});
beforeEach(() => gw.upstream.reset());

it("runs the exact CLI version package.json pins, and the gateway is ready on it", async () => {
  expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
  const { path, version } = copilotCli();
  expect(version).toBe(pinned);
  // --no-auto-update: run the version in node_modules, never a newer one from the CLI's package cache.
  const { stdout } = await promisify(execFile)(process.execPath, [path, "--no-auto-update", "--version"], {
    env: { ...process.env, COPILOT_HOME: home, COPILOT_AUTO_UPDATE: "false" },
  });
  expect(stdout).toContain(`GitHub Copilot CLI ${pinned}`);
  const ready = await gw.app.request("/readyz");
  expect(await ready.json()).toMatchObject({ status: "ready", runtime: `external ${cli.url}` });
});

it("streams a chat completion", async () => {
  const data = await readSseData(await gw.post("/v1/chat/completions", chatBody("over the npm cli", { stream: true })));
  const text = data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d).choices[0]?.delta?.content ?? "").join("");
  expect(text).toBe("echo: over the npm cli");
  expect(data.at(-1)).toBe("[DONE]");
  expect(gw.upstream.calls).toHaveLength(1);
});

it("runs a 3-step tool loop through /v1/chat/completions as one native session", async () => {
  gw.upstream.respond(toolLoopResponder(3));
  const run = await runOpenAILoop(client, TEST_MODEL, "loop on the cli", false);
  expect(run.final).toBe("done after 3 tools for loop on the cli");
  expect(run.requests).toBe(4);
  expect(new Set(run.sessionIds).size).toBe(1);
  expect(run.sessionIds[0]).toMatch(/.+/);

  expectNativeLoop(gw.upstream.calls, 3);
});

describe("a conversation with earlier history", () => {
  it("is seeded natively through the COPILOT_HOME the gateway shares with the CLI", async () => {
    const response = await gw.post("/v1/chat/completions", {
      model: TEST_MODEL,
      messages: [
        { role: "user", content: "first" },
        { role: "assistant", content: "one" },
        { role: "user", content: "second" },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-copilot-session-origin")).toBe("seeded");
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toBe("echo: second");
    const sent = gw.upstream.calls[0]!.request.messages;
    expect(sent.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(sent[1]!.content).toBe("one");
  });
});

describe("a CLI started with a connection token", () => {
  let guarded: HeadlessRuntime;
  const gateways: TestGateway[] = [];
  beforeAll(async () => {
    guarded = await startHeadlessRuntime({ binary: "cli", token: "runtime-connection-secret" });
  }, 60_000);
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await guarded?.stop();
  });

  it("serves the gateway that presents it (COPILOT_CONNECTION_TOKEN) and refuses one that does not", async () => {
    const withToken = await startGateway({}, { externalRuntimeUrl: guarded.url, externalRuntimeToken: "runtime-connection-secret" });
    gateways.push(withToken);
    expect((await withToken.app.request("/readyz")).status).toBe(200);
    expect((await withToken.post("/v1/chat/completions", chatBody("with the token"))).status).toBe(200);

    // Without it the runtime refuses the connection itself: the gateway does not start.
    await expect(startGateway({}, { externalRuntimeUrl: guarded.url })).rejects.toThrow(/AUTHENTICATION_FAILED/);
  });
});
