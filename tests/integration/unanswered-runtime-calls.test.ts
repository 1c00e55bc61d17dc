// Calls the Copilot runtime stops answering while requests arrive. In the
// bench a runtime left one session open unanswered for minutes; the gateway
// gives an open like that up at the turn's deadline, so it no longer holds
// its place among the few opened at once (a few of them would shut the line
// for good), and closes the session it opens after all.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { CopilotClient } from "@github/copilot-sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AppConfig } from "../../src/http/app.js";
import { MAX_OPENING } from "../../src/runtime/runtime-process.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { holdCalls, type HeldCalls } from "../support/held-calls.js";
import { echoResponder } from "../support/upstream.js";
import { eventually } from "../support/wait-for.js";

const DEADLINE_MS = 2_000;
/** What a 504 may take beyond the deadline on a busy machine: its timer's own lateness. */
const MARGIN_MS = 1_000;

interface Answer {
  status: number;
  ms: number;
  /** The OpenAI shape's `error.code`, or the Anthropic shape's `error.type`. */
  code: string | undefined;
  message: string | undefined;
  origin: string | null;
}

let gw: TestGateway;
let held: HeldCalls[] = [];

/** A describe block whose tests run on a gateway of its own, configured so. */
function onGateway(title: string, config: Partial<AppConfig>, tests: () => void): void {
  describe(title, () => {
    beforeAll(async () => {
      gw = await startGateway({ turnTimeoutMs: DEADLINE_MS, ...config });
      gw.upstream.respond(echoResponder);
    });
    afterAll(() => gw.close());
    tests();
  });
}

function hold<Prototype extends object>(prototype: Prototype, method: keyof Prototype & string, options?: { reachRuntime: boolean }): HeldCalls {
  const calls = holdCalls(prototype, method, options);
  held.push(calls);
  return calls;
}

afterEach(() => {
  for (const calls of held) calls.letThrough();
  held = [];
});

async function timed(path: string, body: object): Promise<Answer> {
  const started = Date.now();
  const response = await gw.post(path, body);
  const text = await response.text();
  const ms = Date.now() - started;
  const error = response.status === 200 ? undefined : (JSON.parse(text) as { error: { code?: string; type: string; message: string } }).error;
  return { status: response.status, ms, code: error?.code ?? error?.type, message: error?.message, origin: response.headers.get("x-copilot-session-origin") };
}

const ask = (question: string) => timed("/v1/chat/completions", { model: TEST_MODEL, messages: [{ role: "user", content: question }] });

function expectTimedOut(answer: Answer, code: string, what: string): void {
  expect(answer).toMatchObject({ status: 504, code });
  expect(answer.message).toContain(what);
  expect(answer.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
}

/** Every session the runtime holds is one the gateway holds for a conversation: what it opened too late was closed. */
async function expectNoSessionLeft(): Promise<void> {
  await gw.turns.settled();
  await gw.turns.warm.closeAll();
  const onDisk = async () => (await readdir(join(gw.dataDir, "session-state")).catch(() => [])).length;
  await eventually(async () => (await onDisk()) === gw.turns.ledger.size + gw.turns.recycled.size, 10_000).catch(() => undefined);
  expect(await onDisk()).toBe(gw.turns.ledger.size + gw.turns.recycled.size);
}

onGateway("a session open the runtime never answers", { warmSessions: 0, recycledSessions: 0 }, () => {
  it("stops holding its place in line, and a session it opens after all is closed", async () => {
    const opens = hold(CopilotClient.prototype, "createSession");
    const answers = await Promise.all(Array.from({ length: MAX_OPENING + 2 }, (_, i) => ask(`never opened ${i}`)));
    for (const answer of answers) expectTimedOut(answer, "runtime_timeout", "did not open a session");
    // Every place in line went to an open the runtime never answers.
    expect(opens.count).toBeGreaterThanOrEqual(MAX_OPENING);

    // The runtime opens sessions again, but never answers those.
    opens.letThrough();
    expect(await ask("after")).toMatchObject({ status: 200, origin: "new" });

    // They are answered at last: nobody wants them any more.
    opens.release();
    await expectNoSessionLeft();
  });
});
