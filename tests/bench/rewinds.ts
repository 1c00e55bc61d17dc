// What rewinding a session in place costs its runtime, over many rewinds
// (before the gateway relies on it): one session on a runtime of its own (the raw SDK with
// the gateway's session options), a turn, then `history.truncate` back to
// that turn's user message, `count` times. Reports the rewind's latency, the
// runtime's CPU per rewind (the CPU time read around each call, summed: /proc
// counts in 10 ms ticks, so single calls read 0 or 10 and only the sum means
// anything), per turn, and per session opened and closed for reference, and
// its RSS and the session's events.jsonl as the rewinds go on (no growth
// expected: each rewind removes what the turn added).
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_MODEL } from "../support/gateway.js";
import { ScriptedUpstream } from "../support/upstream.js";
import { RawSdk } from "./raw-sdk.js";
import { answer, spawnedRuntimes } from "./rows.js";
import { mib, percentile, processCpuMs, residentBytes, table } from "./stats.js";

export async function benchRewinds(count: number): Promise<void> {
  console.log(`bench: ${count} rewinds of one session in place …`);
  const upstream = await new ScriptedUpstream([TEST_MODEL]).start();
  upstream.respond(answer);
  const dir = await mkdtemp(join(tmpdir(), "cgw-bench-rewinds-"));
  const { value: sdk, pids } = await spawnedRuntimes(() => RawSdk.start(dir, upstream.baseUrl));
  const pid = pids[0];
  try {
    const session = await sdk.openSession(TEST_MODEL);
    let userEventId: string | undefined;
    session.on("user.message", (event) => (userEventId = event.id));
    const events = join(dir, "session-state", session.sessionId, "events.jsonl");
    const rewindMs: number[] = [];
    let rewindCpuMs = 0;
    let turnCpuMs = 0;
    const rows: string[][] = [];
    const cycle = async (n: number, measured: boolean) => {
      const beforeTurn = processCpuMs(pid);
      await sdk.reusedSessionRequest(session, `Rewind ${n}: write one short sentence.`);
      upstream.calls.length = 0;
      const beforeRewind = processCpuMs(pid);
      const started = performance.now();
      const { eventsRemoved } = await session.rpc.history.truncate({ eventId: userEventId! });
      const took = performance.now() - started;
      if (!(eventsRemoved > 0)) throw new Error("bench: a rewind removed nothing");
      if (!measured) return;
      rewindMs.push(took);
      rewindCpuMs += processCpuMs(pid) - beforeRewind;
      turnCpuMs += beforeRewind - beforeTurn;
    };
    const snapshot = async (label: string) => {
      const size = await stat(events).then((file) => `${(file.size / 1024).toFixed(1)} KiB`, () => "(not found)");
      rows.push([label, mib(residentBytes(pid!)), size]);
    };
    for (let n = 0; n < 20; n++) await cycle(n, false);
    await snapshot("after 20 warm-up rewinds");
    for (let n = 1; n <= count; n++) {
      await cycle(n, true);
      if (n === Math.round(count / 2) || n === count) await snapshot(`after ${n} more`);
    }
    await sdk.closeSession(session);

    // For reference: what opening (and closing) a session costs the same runtime.
    const opens = Math.max(20, Math.round(count / 10));
    const beforeOpens = processCpuMs(pid);
    for (let n = 0; n < opens; n++) await sdk.closeSession(await sdk.openSession(TEST_MODEL));
    const openCpuMs = (processCpuMs(pid) - beforeOpens) / opens;

    console.log("");
    console.log(`rewinding one session in place, ${count} times (a turn, then history.truncate back to its user message; c=1):`);
    console.log(
      `rewind p50 ${percentile(rewindMs, 50).toFixed(2)} ms, p99 ${percentile(rewindMs, 99).toFixed(2)} ms; runtime CPU ${(rewindCpuMs / count).toFixed(2)} ms per rewind, ${(turnCpuMs / count).toFixed(2)} ms per turn, ${openCpuMs.toFixed(2)} ms per session opened and closed (${opens} of them)`,
    );
    console.log(table(["", "runtime RSS", "events.jsonl"], rows));
  } finally {
    await sdk.stop();
    await upstream.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
