// The operator's agents in a real gateway process: read from
// GATEWAY_AGENTS_DIR at start (a mistake stops it with exit 2 and one line
// naming the file and the field), served as models, and read again on
// SIGHUP, where a mistake is logged and the agents served stay as they were.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { agentFileText, systemPromptSent } from "../support/agents.js";
import { TEST_MODEL } from "../support/gateway.js";
import { ENTRY, startGatewayProcess, waitUntil, type GatewayProcess } from "../support/gateway-process.js";
import { ScriptedUpstream } from "../support/upstream.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cgw-agents-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const writeAgent = (name: string, text: string) => writeFileSync(join(dir, name), text);

describe("a mistake in the agents directory at start", () => {
  /** The gateway on a BYOK provider whose models are listed in the settings: it starts its runtime without calling the provider. */
  const run = (env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [...ENTRY], {
      encoding: "utf8",
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        PORT: "0",
        COPILOT_GATEWAY_DATA_DIR: join(dir, "data"),
        COPILOT_PROVIDER_BASE_URL: "http://127.0.0.1:9/v1",
        COPILOT_PROVIDER_MODELS: `${TEST_MODEL},other-model`,
        GATEWAY_AGENTS_DIR: dir,
        ...env,
      },
    });

  it("stops the gateway with exit 2 and one line naming the file and the field", () => {
    writeAgent("ok.agent.md", agentFileText(["description: fine"], "p"));
    writeAgent("broken.agent.md", agentFileText(["name: Broken", "tools: 'logs/*'"], "p"));
    const result = run();
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(`${join(dir, "broken.agent.md")}: front matter "description" is required`);
  });

  it("stops it for an agent named like a model it serves, and for a model it does not serve", () => {
    writeAgent(`${TEST_MODEL}.agent.md`, agentFileText(["description: shadows a model"], "p"));
    const collision = run();
    expect(collision.status).toBe(2);
    // Found once the runtime lists its models, so after the log lines of the start so far: the last line says it.
    expect(collision.stderr.trim().split("\n").at(-1)).toContain(`${join(dir, `${TEST_MODEL}.agent.md`)}: the agent's id "${TEST_MODEL}" is a model the gateway serves already`);
    unlinkSync(join(dir, `${TEST_MODEL}.agent.md`));
    writeAgent("ops.agent.md", agentFileText(["description: d", "model: gpt-9"], "p"));
    const unserved = run();
    expect(unserved.status).toBe(2);
    expect(unserved.stderr).toContain(`${join(dir, "ops.agent.md")}: front matter "model" gpt-9 is no model the gateway serves`);
  });

  it("stops it for a directory that is not there", () => {
    const result = run({ GATEWAY_AGENTS_DIR: join(dir, "missing") });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`the agents directory ${join(dir, "missing")} could not be read (ENOENT)`);
  });
});

describe("a running gateway's agents", { timeout: 90_000 }, () => {
  let upstream: ScriptedUpstream;
  let gateway: GatewayProcess | undefined;
  beforeAll(async () => {
    upstream = await new ScriptedUpstream([TEST_MODEL, "other-model"]).start();
  });
  afterAll(() => upstream.stop());
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  const modelsListed = async () => {
    const body = (await (await fetch(`${gateway!.baseUrl}/models`)).json()) as { data: Array<{ id: string; description?: string }> };
    return Object.fromEntries(body.data.filter((model) => model.description !== undefined).map((model) => [model.id, model.description]));
  };

  it("are served as models, and read again on SIGHUP; a bad reload keeps the agents served and says why", async () => {
    writeAgent("triage.agent.md", agentFileText(["description: Triage, first edition", "model: other-model"], "You triage."));
    writeAgent("README.md", "not an agent");
    gateway = await startGatewayProcess({ upstreamUrl: upstream.baseUrl, env: { GATEWAY_AGENTS_DIR: dir } });
    expect(await modelsListed()).toEqual({ triage: "Triage, first edition" });

    const answer = await fetch(`${gateway.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "triage", messages: [{ role: "user", content: "what broke?" }] }),
    });
    expect(answer.status).toBe(200);
    expect(upstream.calls.at(-1)!.request.model).toBe("other-model");
    expect(systemPromptSent(upstream.calls.at(-1)!.request)).toContain("You triage.");

    writeAgent("triage.agent.md", agentFileText(["description: Triage, second edition"], "You triage better."));
    writeAgent("sql.agent.md", agentFileText(["description: SQL"], "You write SQL."));
    gateway.child.kill("SIGHUP");
    expect(await waitUntil(() => gateway!.stderr().includes('"agents reloaded"'), 20_000)).toBe(true);
    expect(await modelsListed()).toEqual({ triage: "Triage, second edition", sql: "SQL" });

    writeAgent("broken.agent.md", "---\ndescription: [unclosed\n---\n");
    gateway.child.kill("SIGHUP");
    expect(await waitUntil(() => gateway!.stderr().includes('"agents not reloaded'), 20_000)).toBe(true);
    const logged = gateway.stderr().split("\n").find((line) => line.includes('"agents not reloaded'))!;
    expect(logged).toContain(join(dir, "broken.agent.md"));
    expect(logged).toContain("not valid YAML");
    expect(await modelsListed()).toEqual({ triage: "Triage, second edition", sql: "SQL" });
    // Still serving, and still running: SIGHUP reloads, it never stops the gateway.
    expect(gateway.child.exitCode).toBeNull();
  });
});
