// People's prompts must not outlive a gateway that died without stopping:
// the next gateway on the same data directory removes the session state the
// dead one left, and never a live one's that shares the directory.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, TEST_MODEL } from "../support/gateway.js";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { ScriptedUpstream } from "../support/upstream.js";

const SECRET = "the-quarterly-numbers-are-confidential";

let upstream: ScriptedUpstream;
let dataDir: string;
const started: GatewayProcess[] = [];
beforeAll(async () => {
  upstream = await new ScriptedUpstream([TEST_MODEL]).start();
  dataDir = await mkdtemp(join(tmpdir(), "cgw-crash-"));
});
afterAll(async () => {
  for (const gateway of started) await gateway.close();
  await upstream.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function start(): Promise<GatewayProcess> {
  const gateway = await startGatewayProcess({ upstreamUrl: upstream.baseUrl, database: { dataDir } });
  started.push(gateway);
  return gateway;
}

async function converse(gateway: GatewayProcess, text: string): Promise<void> {
  const response = await fetch(`${gateway.baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(chatBody(text)) });
  expect(response.status).toBe(200);
  await response.text();
}

/** Session directories whose events hold `text`. */
async function sessionsHolding(text: string): Promise<string[]> {
  const stateDir = join(dataDir, "session-state");
  if (!existsSync(stateDir)) return [];
  const holding: string[] = [];
  for (const name of await readdir(stateDir)) {
    const events = await readFile(join(stateDir, name, "events.jsonl"), "utf8").catch(() => "");
    if (events.includes(text)) holding.push(name);
  }
  return holding;
}

describe("a gateway killed outright, then another on its data directory", { timeout: 90_000 }, () => {
  it("removes the dead gateway's session state at start, says how many, and leaves a live peer's alone", async () => {
    const crashed = await start();
    for (let i = 0; i < 3; i++) await converse(crashed, `${SECRET} #${i}`);
    expect((await sessionsHolding(SECRET)).length).toBe(3);
    crashed.child.kill("SIGKILL");
    await crashed.exited;
    expect((await sessionsHolding(SECRET)).length).toBe(3);

    const next = await start();
    expect(await sessionsHolding(SECRET)).toEqual([]);
    const said = next.stderr().split("\n").find((line) => line.includes("session state left by a gateway that did not stop"));
    // The three conversations, and the session the dead gateway had opened ahead for the next one.
    expect((JSON.parse(said ?? "{}") as { removed?: number }).removed).toBeGreaterThanOrEqual(3);

    // A peer started while `next` is live must not touch what `next` holds.
    await converse(next, "a live conversation of the first peer");
    const held = await sessionsHolding("a live conversation of the first peer");
    expect(held).toHaveLength(1);
    const peer = await start();
    expect(await sessionsHolding("a live conversation of the first peer")).toEqual(held);
    await converse(peer, "the peer serves too");
    await next.close();
    await peer.close();
  });
});
