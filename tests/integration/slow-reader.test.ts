// A client that stops reading a stream (a hung process, a paused consumer)
// must not make the gateway hold its answer: the stream is read only as fast
// as the client takes it, and once the client has taken nothing for the stall
// limit the turn is cancelled at the model and the connection is closed.
import { connect, type Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chatBody, startGateway, type TestGateway } from "../support/gateway.js";
import { echoResponder, sleep, type Step } from "../support/upstream.js";

const STALL_MS = 2_000;
const READERS = 3;

let gw: TestGateway;
let port: number;
beforeAll(async () => {
  gw = await startGateway({ clientStallMs: STALL_MS });
  port = Number(new URL(await gw.listen()).port);
  // ~8 MB at once, more than a paused client's socket buffers take (a few MB on loopback), then an answer that would go on for a minute.
  const burst: Step[] = Array.from({ length: 120 }, () => ({ text: "x".repeat(64 * 1024) }));
  const trickle: Step[] = Array.from({ length: 1_200 }, () => [{ delayMs: 50 }, { text: "y".repeat(512) }] as Step[]).flat();
  gw.upstream.respond(() => ({ steps: [...burst, ...trickle] }));
});
afterAll(() => gw.close());

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;
/**
 * What this process holds, JavaScript heap and buffers together, after full
 * collections: the least seen within `withinMs`, or the first at most `atMost`.
 * The runtime's last messages for a cancelled turn may still be arriving on a
 * busy machine, so what was let go is given a while to go.
 */
async function heldMiB(withinMs = 1_500, atMost = 0): Promise<number> {
  let least = Infinity;
  for (const until = Date.now() + withinMs; Date.now() < until && least > atMost; await sleep(300)) {
    collectGarbage();
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    least = Math.min(least, (heapUsed + arrayBuffers) / 1024 / 1024);
  }
  return least;
}

/** Sends a streaming request on a raw socket, reads until the model's first words arrive, then stops reading. */
async function streamThenStopReading(prompt: string): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  const body = JSON.stringify(chatBody(prompt, { stream: true }));
  socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("latin1");
      if (!seen.includes("xxxxxxxx")) return;
      socket.off("data", onData);
      socket.pause();
      resolve();
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
  return socket;
}

/** READERS clients stop reading at once; resolves when every turn was cancelled at the model (false for one that was not in time). */
async function stopReading(round: number): Promise<{ sockets: Socket[]; cancelled: boolean[]; ms: number }> {
  const sockets = await Promise.all(Array.from({ length: READERS }, (_, n) => streamThenStopReading(`long answer ${round}.${n}`)));
  const started = Date.now();
  const cancelled = await Promise.all(gw.upstream.calls.slice(-READERS).map((call) => Promise.race([call.aborted, sleep(STALL_MS + 15_000).then(() => false)])));
  return { sockets, cancelled, ms: Date.now() - started };
}

it("clients that stop reading have their turns cancelled at the model, their connections closed, and leave nothing held", async () => {
  // A first round brings in what the first long answers load once.
  const warmUp = await stopReading(0);
  const before = await heldMiB();

  const rounds = [];
  for (let round = 1; round <= 2; round++) rounds.push(await stopReading(round));
  for (const { cancelled } of rounds) expect(cancelled).toEqual(Array(READERS).fill(true));
  for (let waited = 0; gw.inflight.size > 0 && waited < 5_000; waited += 100) await sleep(100);
  expect(gw.inflight.size).toBe(0);
  expect(gw.turns.ledger.size).toBe(0);
  // Six answers of ~8 MB each, none of them read: none is still held although no client hung up.
  const grewMiB = (await heldMiB(20_000, before + 5)) - before;
  console.info(`${rounds.length * READERS} stopped readers: cancelled ${rounds.map((r) => r.ms).join(", ")} ms after they stopped; the gateway holds ${grewMiB.toFixed(1)} MiB more than before`);
  expect(grewMiB).toBeLessThan(10);

  // The gateway closed the connections: a client that reads again gets to the end of what was sent.
  const sockets = [warmUp, ...rounds].flatMap((r) => r.sockets);
  const closed = await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<boolean>((resolve) => {
          socket.on("data", () => undefined);
          socket.once("close", () => resolve(true));
          socket.resume();
          setTimeout(() => resolve(false), 10_000);
        }),
    ),
  );
  expect(closed).toEqual(Array(sockets.length).fill(true));

  gw.upstream.respond(echoResponder);
  const after = await gw.post("/v1/chat/completions", chatBody("still serving"));
  expect(after.status).toBe(200);
}, 240_000);
