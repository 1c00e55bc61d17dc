// Requests whose clients leave — mid-stream, or while waiting for a session —
// leave nothing behind: no session state on disk, no scratch directory, no
// session in the ledger, nothing counted in flight; and the ones that left
// before their session opened never cost the runtime one.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { abandonStreams } from "../support/abandon.js";
import { chatBody, startGateway, type TestGateway } from "../support/gateway.js";
import { echoResponder, sleep } from "../support/upstream.js";

let gw: TestGateway;
let baseUrl: string;
beforeAll(async () => {
  gw = await startGateway();
  baseUrl = await gw.listen();
});
afterAll(() => gw.close());

const entries = async (dir: string) => (await readdir(join(gw.dataDir, dir)).catch(() => [])).length;

it("200 streams abandoned at random moments leave no session, state or scratch directory behind", async () => {
  gw.upstream.respond(() => ({ steps: [{ text: "a" }, { delayMs: 300 }, { text: "b" }, { delayMs: 300 }, { text: "c" }] }));
  const total = 200;
  // Counted, not changed: how many sessions the runtime was asked to open.
  let opened = 0;
  const openSession = gw.runtime.openSession.bind(gw.runtime);
  // (Sessions opened ahead for the next conversation, with no request waiting, are not counted.)
  gw.runtime.openSession = (spec, signal) => openSession(spec, signal).then((session) => (signal && opened++, session));
  await abandonStreams(baseUrl, total);
  let left = { state: -1, scratch: -1 };
  // Closing ~80 sessions takes the runtime a few seconds on a busy machine: wait for it, then require nothing left.
  for (let attempt = 0; attempt < 150; attempt++) {
    // A session opened ahead for the next conversation is not one an abandoned request left.
    if (gw.inflight.size === 0) await gw.turns.warm.closeAll();
    left = { state: await entries("session-state"), scratch: await entries("scratch") };
    if (left.state === 0 && left.scratch === 0 && gw.turns.ledger.size === 0 && gw.inflight.size === 0) break;
    await sleep(100);
  }
  expect(left).toEqual({ state: 0, scratch: 0 });
  expect(gw.turns.ledger.size).toBe(0);
  expect(gw.inflight.size).toBe(0);
  // Those that left while waiting for a session never cost the runtime one (without
  // the gateway's line for opening sessions, every one of them was opened, then closed).
  console.info(`${total} abandoned streams: ${opened} sessions opened`);
  expect(opened).toBeLessThan(total * 0.75);

  gw.upstream.respond(echoResponder);
  const after = await gw.post("/v1/chat/completions", chatBody("still serving"));
  expect(after.status).toBe(200);
});
