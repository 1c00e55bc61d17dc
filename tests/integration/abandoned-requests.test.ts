// Requests whose clients leave — mid-stream, or while waiting for a session —
// leave nothing behind: no session state on disk, no scratch directory, no
// session in the ledger, nothing counted in flight; and the ones that left
// while waiting in the gateway's line for opening sessions never cost the
// runtime one. (How many of N streams abandoned at random open a session
// depends on how fast the machine's runtime opens them: that figure is the
// soak's, tests/soak/figures.soak.ts.)
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { abandonStreams } from "../support/abandon.js";
import { chatBody, startGateway, type TestGateway } from "../support/gateway.js";
import { runtimeChildren } from "../support/runtime-children.js";
import { MAX_OPENING } from "../../src/runtime/runtime-process.js";
import { watchSessionOpenings } from "../support/session-openings.js";
import { echoResponder, sleep } from "../support/upstream.js";
import { waitFor } from "../support/wait-for.js";

/** How many sessions the runtime is given to open at once; the rest wait in the gateway. */
const OPENING_AT_ONCE = MAX_OPENING;

let gw: TestGateway;
let baseUrl: string;
beforeAll(async () => {
  // The first test holds the runtime stopped for a moment: its heartbeat must not take that for a hang.
  gw = await startGateway({}, { heartbeat: { intervalMs: 60_000, timeoutMs: 60_000, failures: 3 } });
  baseUrl = await gw.listen();
});
afterAll(() => gw.close());

const entries = async (dir: string) => (await readdir(join(gw.dataDir, dir)).catch(() => [])).length;

/** Waits for the runtime to close what abandoned requests opened (seconds on a busy machine), then requires nothing left. */
async function expectNothingLeft(): Promise<void> {
  let left = { state: -1, scratch: -1 };
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
}

it("requests abandoned while they wait in line to open a session never cost the runtime one", async () => {
  gw.upstream.respond(echoResponder);
  await gw.turns.warm.closeAll();
  const waiting = 6 * OPENING_AT_ONCE;
  const openings = watchSessionOpenings(gw);
  const runtimes = runtimeChildren();
  expect(runtimes).toHaveLength(1);
  // Stopped, the runtime holds the line shut: the first few sessions are being opened in it, and never are while it is stopped.
  process.kill(runtimes[0]!, "SIGSTOP");
  try {
    const clients = Array.from({ length: waiting }, () => new AbortController());
    const requests = clients.map((client, i) =>
      fetch(`${baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(chatBody(`waits in line ${i}`, { stream: true })),
        signal: client.signal,
      }).catch(() => undefined),
    );
    // Every request has asked for its session: a few are in the runtime, the rest wait in the gateway's line.
    await waitFor(() => openings.calls.length === waiting, 20_000);
    for (const client of clients) client.abort();
    // The gateway has seen every client leave (each request's own signal fired) while the line was still shut.
    await waitFor(() => openings.calls.every((call) => call.signal.aborted), 20_000);
    await Promise.all(requests);
  } finally {
    process.kill(runtimes[0]!, "SIGCONT");
  }
  // The line opens: whatever is let through it now is a session opened for a client that left.
  await Promise.all(openings.calls.map((call) => call.ended));
  openings.stop();
  console.info(`${waiting} requests abandoned while the line was shut: ${openings.opened} sessions opened`);
  expect(openings.opened).toBeLessThanOrEqual(OPENING_AT_ONCE);
  await expectNothingLeft();
});

it("200 streams abandoned at random moments leave no session, state or scratch directory behind", async () => {
  gw.upstream.respond(() => ({ steps: [{ text: "a" }, { delayMs: 300 }, { text: "b" }, { delayMs: 300 }, { text: "c" }] }));
  await abandonStreams(baseUrl, 200);
  await expectNothingLeft();

  gw.upstream.respond(echoResponder);
  const after = await gw.post("/v1/chat/completions", chatBody("still serving"));
  expect(after.status).toBe(200);
});
