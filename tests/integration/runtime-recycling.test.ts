// An embedded runtime that holds on to memory is replaced between turns,
// without failing one: here the limit is 1 byte, so every runtime is replaced
// as soon as it is old enough, again and again, while agents run tool loops
// and a long stream is being answered.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runOpenAILoop, toolLoopResponder } from "../support/agent.js";
import { chatBody, startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { runtimeChildren } from "../support/runtime-children.js";
import { sleep } from "../support/upstream.js";

const recycle = { maxResidentBytes: 1, checkEveryMs: 200, minAgeMs: 1_500, maxDrainMs: 60_000 };
/** How the turns' sessions came to be, from the turns' log lines. */
const origins = new Map<string, number>();
const countOrigins = (_message: string, fields?: Record<string, unknown>) => {
  if (typeof fields?.origin === "string") origins.set(fields.origin, (origins.get(fields.origin) ?? 0) + 1);
};
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  gw = await startGateway({}, { recycle, logger: { debug: () => {}, info: countOrigins, warn: countOrigins, error: countOrigins } });
  client = new OpenAI({ baseURL: await gw.listen(), apiKey: "k", maxRetries: 0 });
});
afterAll(() => gw.close());

it("replaces runtimes again and again while tool loops and a long stream go on, and no turn fails", async () => {
  const longAnswer = Array.from({ length: 10 }, (_, i) => `part ${i} `);
  gw.upstream.respond((request, index) => {
    if (JSON.stringify(request.messages).includes("long answer")) return { steps: longAnswer.flatMap((text) => [{ text }, { delayMs: 400 }]) };
    return toolLoopResponder(3)(request, index);
  });
  const recyclesBefore = gw.runtime.recycles;

  // A stream that lasts ~4 s: its runtime is replaced meanwhile, and it still ends whole.
  const stream = gw.post("/v1/chat/completions", chatBody("a long answer please", { stream: true })).then((response) => response.text());
  // Four agents, each running tool loops one after another for ~8 s.
  const until = Date.now() + 8_000;
  const loops = await Promise.all(
    Array.from({ length: 4 }, async (_, agent) => {
      const finals: string[] = [];
      for (let n = 0; Date.now() < until; n++) finals.push((await runOpenAILoop(client, TEST_MODEL, `agent ${agent} task ${n}`, n % 2 === 0)).final);
      return finals;
    }),
  );
  for (const [agent, finals] of loops.entries()) {
    expect(finals.length).toBeGreaterThan(0);
    finals.forEach((final, n) => expect(final).toBe(`done after 3 tools for agent ${agent} task ${n}`));
  }
  const streamed = await stream;
  expect(streamed).toContain("data: [DONE]");
  expect(streamed).not.toContain('"error"');
  for (const text of longAnswer) expect(streamed).toContain(text.trim());

  const recycled = gw.runtime.recycles - recyclesBefore;
  console.info(`${recycled} runtimes replaced while ${loops.flat().length} tool loops ran; sessions: ${JSON.stringify(Object.fromEntries(origins))}`);
  expect(recycled).toBeGreaterThanOrEqual(2);
  // Loops whose runtime was replaced between two of their steps went on, seeded on the new one.
  expect(origins.get("seeded") ?? 0).toBeGreaterThan(0);
  // Replaced runtimes were stopped once their turns were over: one runtime is left, and what they held is gone.
  recycle.maxResidentBytes = Number.POSITIVE_INFINITY;
  await gw.runtime.checkMemory();
  for (let waited = 0; (gw.runtime.processCount > 1 || runtimeChildren().length > 1) && waited < 10_000; waited += 200) await sleep(200);
  expect(gw.runtime.processCount).toBe(1);
  expect(runtimeChildren()).toHaveLength(1);
  const scratch = await readdir(join(gw.dataDir, "scratch"));
  expect(scratch.length).toBeLessThanOrEqual(gw.turns.ledger.size);
}, 60_000);
