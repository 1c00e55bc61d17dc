// GATEWAY_RUNTIMES=2 (and two headless runtimes in COPILOT_CLI_URL): new
// conversations go to the runtime carrying the fewest sessions, a
// conversation stays on its runtime, and when one runtime dies its
// conversations go on seeded while the other's go on as they were.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chatBody, startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { startHeadlessRuntime } from "../support/headless.js";
import { runtimeChildren } from "../support/runtime-children.js";
import { echoResponder } from "../support/upstream.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({}, { processes: 2 });
  gw.upstream.respond(echoResponder);
});
afterAll(() => gw.close());

/** Asks `question` after the conversation so far; returns the answer and where its session came from. */
async function ask(history: Array<{ role: string; content: string }>, question: string, gateway: TestGateway = gw) {
  const messages = [...history, { role: "user", content: question }];
  const response = await gateway.post("/v1/chat/completions", { model: TEST_MODEL, messages });
  expect(response.status).toBe(200);
  const answer = ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
  return { history: [...messages, { role: "assistant", content: answer }], origin: response.headers.get("x-copilot-session-origin"), answer };
}

it("spreads conversations over both runtimes, keeps each on its own, and carries a dead runtime's conversations on seeded", async () => {
  const children = runtimeChildren();
  expect(children).toHaveLength(2);
  expect(gw.runtime.description).toBe("embedded ×2");

  // Four conversations, one after another: each goes where fewer sessions are held, two on each runtime.
  const conversations = [];
  for (let n = 0; n < 4; n++) conversations.push((await ask([], `conversation ${n}`)).history);
  for (let n = 0; n < 4; n++) {
    const next = await ask(conversations[n]!, `conversation ${n} goes on`);
    expect(next.origin).toBe("continued");
    expect(next.answer).toBe(`echo: conversation ${n} goes on`);
    conversations[n] = next.history;
  }

  process.kill(children[0]!, "SIGKILL");
  for (let waited = 0; runtimeChildren().filter((pid) => pid !== children[0]).length < 2 && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));

  // The other runtime's two go on where they were; the dead one's two are seeded, with their whole history.
  const origins: string[] = [];
  for (let n = 0; n < 4; n++) {
    const next = await ask(conversations[n]!, `conversation ${n} after the loss`);
    expect(next.answer).toBe(`echo: conversation ${n} after the loss`);
    origins.push(next.origin ?? "");
    const sent = gw.upstream.calls.at(-1)!.request.messages;
    expect(sent.filter((message) => message.role === "user")).toHaveLength(3);
  }
  expect(origins.sort()).toEqual(["continued", "continued", "seeded", "seeded"]);
  expect(gw.runtime.restarts).toBe(1);
  expect(runtimeChildren()).toHaveLength(2);
  expect((await gw.app.request("/readyz")).status).toBe(200);
});

it("spreads conversations over two headless runtimes, and carries a lost one's conversations on the other, seeded", async () => {
  const home = await mkdtemp(join(tmpdir(), "cgw-pool-home-"));
  const [first, second] = await Promise.all([startHeadlessRuntime({ home }), startHeadlessRuntime({ home })]);
  const pool = await startGateway({}, { externalRuntimeUrl: [first!.url, second!.url], runtimeHome: home });
  try {
    pool.upstream.respond(echoResponder);
    expect(pool.runtime.description).toBe(`external ${first!.url}, ${second!.url}`);
    const conversations = [];
    for (let n = 0; n < 4; n++) conversations.push((await ask([], `conversation ${n}`, pool)).history);

    first!.process.kill("SIGKILL");
    const origins: string[] = [];
    for (let n = 0; n < 4; n++) {
      const next = await ask(conversations[n]!, `conversation ${n} after the loss`, pool);
      expect(next.answer).toBe(`echo: conversation ${n} after the loss`);
      origins.push(next.origin ?? "");
      expect(pool.upstream.calls.at(-1)!.request.messages.filter((message) => message.role === "user")).toHaveLength(2);
    }
    expect(origins.sort()).toEqual(["continued", "continued", "seeded", "seeded"]);
    // The other runtime answers: the gateway stays ready while the lost one is being reconnected.
    expect((await pool.app.request("/readyz")).status).toBe(200);
  } finally {
    await pool.close();
    await Promise.all([first!.stop(), second!.stop()]);
    await rm(home, { recursive: true, force: true });
  }
}, 60_000);
