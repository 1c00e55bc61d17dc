// A session's suspension (the SDK's detach) that the runtime never answers.
// A conversation's next turn and its eviction wait for its suspension, so a
// detach left unanswered held them for good: a full bench run stalled on one
// with no CPU used until its watchdog gave up, and a continuing request got
// no answer. The runtime here is stopped (SIGSTOP: its pipes stay open, it
// never answers) while the gateway suspends a session; the suspension must
// end anyway, and the session must go on once the runtime answers again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionSpec } from "../../src/runtime/runtime.js";
import { SESSION_CALL_TIMEOUT_MS } from "../../src/runtime/runtime-process.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { runtimeChildren } from "../support/runtime-children.js";
import { lastUserText } from "../support/upstream.js";

/** Far beyond the gateway's bound on a detach: what "for good" looks like to a test. */
const HELD_FOR_GOOD_MS = SESSION_CALL_TIMEOUT_MS * 4;

describe("a suspension the runtime never answers", () => {
  let gw: TestGateway;
  const spec: SessionSpec = { model: TEST_MODEL, systemMessage: "", tools: [] };

  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw?.close());

  it("ends without the runtime's answer, and the session goes on once the runtime answers again", async () => {
    const session = await gw.runtime.openSession(spec);
    await session.sendAndWait({ prompt: "hello" }, 20_000);
    const others = runtimeChildren();
    expect(others).toHaveLength(1);
    const pid = others[0]!;
    process.kill(pid, "SIGSTOP");
    let outcome: "ended" | "still waiting";
    try {
      outcome = await Promise.race([
        gw.runtime.suspendSession(session).then(() => "ended" as const),
        new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), HELD_FOR_GOOD_MS)),
      ]);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    expect(outcome).toBe("ended");

    const resumed = await gw.runtime.resumeSession(session.sessionId, spec);
    const seen = gw.upstream.calls.length;
    await resumed.sendAndWait({ prompt: "still there?" }, 20_000);
    // The same conversation: the model sees the first exchange before the new message.
    const [after] = gw.upstream.calls.slice(seen);
    expect(lastUserText(after!.request)).toBe("still there?");
    expect(JSON.stringify(after!.request.messages)).toContain("hello");
    await gw.runtime.closeSession(resumed);
    expect(runtimeChildren()).toEqual([pid]);
  }, 60_000);
});
