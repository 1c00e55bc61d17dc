// Calls the Copilot runtime stops answering while requests arrive: a session
// open (one opened ahead for the next conversation among them), a suspension
// and the resume after it, a recycled session's rewind, a turn's send. In the
// bench a runtime left one session open unanswered for minutes and a request
// waited far past the turn's deadline. Whatever the runtime leaves
// unanswered, every request gets its 504 — in its dialect's shape, naming
// what the runtime did not do — within the deadline and a small margin; an
// open the runtime never answers stops holding its place in line; and once
// the runtime answers again the gateway serves, and every session it opened
// too late is closed.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { CopilotClient, CopilotSession } from "@github/copilot-sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AppConfig } from "../../src/http/app.js";
import { MAX_OPENING } from "../../src/runtime/runtime-process.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { holdCalls, type HeldCalls } from "../support/held-calls.js";
import { runtimeChildren } from "../support/runtime-children.js";
import { echoResponder } from "../support/upstream.js";
import { eventually, waitFor } from "../support/wait-for.js";

const DEADLINE_MS = 2_000;
/** What a 504 may take beyond the deadline on a busy machine: its timer's own lateness. */
const MARGIN_MS = 1_000;
/** A runtime stopped for a few seconds is not hung: its heartbeat must not replace it meanwhile. */
const PATIENT_HEARTBEAT = { intervalMs: 60_000, timeoutMs: 60_000, failures: 3 };

interface Answer {
  status: number;
  ms: number;
  /** The OpenAI shape's `error.code`, or the Anthropic shape's `error.type`. */
  code: string | undefined;
  message: string | undefined;
  origin: string | null;
}

type Message = { role: "user" | "assistant"; content: string };

let gw: TestGateway;
let held: HeldCalls[] = [];

/** A describe block whose tests run on a gateway of its own, configured so. */
function onGateway(title: string, config: Partial<AppConfig>, tests: () => void): void {
  describe(title, () => {
    beforeAll(async () => {
      gw = await startGateway({ turnTimeoutMs: DEADLINE_MS, ...config }, { heartbeat: PATIENT_HEARTBEAT });
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

const chat = (messages: Message[], stream = false) => timed("/v1/chat/completions", { model: TEST_MODEL, messages, stream });
const ask = (question: string, stream = false) => chat([{ role: "user", content: question }], stream);

function expectTimedOut(answer: Answer, code: string, what: string): void {
  expect(answer).toMatchObject({ status: 504, code });
  expect(answer.message).toContain(what);
  expect(answer.ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
}

/** The one runtime process of the test's gateway. */
function theRuntime(): number {
  const pids = runtimeChildren();
  expect(pids).toHaveLength(1);
  return pids[0]!;
}

/**
 * Runs `during` and stops the runtime (SIGSTOP: its pipes stay open, it
 * answers nothing) as the gateway makes the first call of `target[method]`
 * that `picks`; lets it go on (SIGCONT) once `during` is over. `during` is
 * told whether the runtime was stopped yet.
 */
async function stoppedAt<T>(target: object, method: string, picks: (...args: unknown[]) => boolean, during: (stopped: () => boolean) => Promise<T>): Promise<T> {
  const pid = theRuntime();
  const calls = target as Record<string, (...args: unknown[]) => unknown>;
  const original = calls[method]!;
  let stopped = false;
  calls[method] = (...args) => {
    if (!stopped && picks(...args)) {
      stopped = true;
      process.kill(pid, "SIGSTOP");
    }
    return original.apply(target, args);
  };
  try {
    return await during(() => stopped);
  } finally {
    process.kill(pid, "SIGCONT");
    calls[method] = original;
  }
}

/** Every session the runtime holds is one the gateway holds for a conversation: what it opened too late was closed. */
async function expectNoSessionLeft(): Promise<void> {
  await gw.turns.settled();
  await gw.turns.warm.closeAll();
  const onDisk = async () => (await readdir(join(gw.dataDir, "session-state")).catch(() => [])).length;
  await eventually(async () => (await onDisk()) === gw.turns.ledger.size + gw.turns.recycled.size, 10_000).catch(() => undefined);
  expect(await onDisk()).toBe(gw.turns.ledger.size + gw.turns.recycled.size);
}

onGateway("a runtime that stops answering while it opens a session ahead", {}, () => {
  it("gives every request its 504 within the deadline, serves again once the runtime answers, and closes what it opened too late", async () => {
    // Sessions opened ahead are the ones no request waits for (no signal): the runtime stops as it is asked for the first.
    const openedAhead = (_spec: unknown, signal: unknown) => signal === undefined;
    const answers = await stoppedAt(gw.runtime, "openSession", openedAhead, async (stopped) => {
      expect((await ask("before")).status).toBe(200);
      await waitFor(stopped);
      // More than the runtime is given to open at once: some wait in line behind the open ahead; one waits for it.
      return Promise.all([
        ...Array.from({ length: MAX_OPENING + 2 }, (_, i) => ask(`while it is stopped ${i}`, i % 2 === 0)),
        timed("/v1/messages", { model: TEST_MODEL, max_tokens: 100, messages: [{ role: "user", content: "while it is stopped, Anthropic" }] }),
      ]);
    });
    for (const answer of answers.slice(0, -1)) expectTimedOut(answer, "runtime_timeout", "did not open a session");
    expectTimedOut(answers.at(-1)!, "timeout_error", "did not open a session");

    expect(await ask("after")).toMatchObject({ status: 200 });
    await expectNoSessionLeft();
  });
});

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

// Every idle conversation is suspended at once.
onGateway("a suspension and a resume the runtime does not answer", { warmSessions: 0, recycledSessions: 0, liveSessions: 0 }, () => {
  it("gives the conversation's next request its 504 within the deadline, and the conversation goes on once the runtime answers", async () => {
    const first: Message[] = [{ role: "user", content: "one" }];
    const detaches = hold(CopilotSession.prototype, "disconnect");
    const resumes = hold(CopilotClient.prototype, "resumeSession");
    expect(await chat(first)).toMatchObject({ status: 200, origin: "new" });
    // Its suspension is under way and never answered; so is the resume after it.
    await waitFor(() => detaches.count === 1);
    const next: Message[] = [...first, { role: "assistant", content: "echo: one" }, { role: "user", content: "two" }];
    expectTimedOut(await chat(next), "runtime_timeout", "did not resume the session");

    detaches.release();
    resumes.release();
    expect(await chat(next)).toMatchObject({ status: 200 });
    await expectNoSessionLeft();
  });
});

// One idle conversation stays live: the one before it is recycled when the next ends.
onGateway("a recycled session's rewind the runtime does not answer", { warmSessions: 0, liveSessions: 1, recycledSessions: 4 }, () => {
  it("gives the next new conversation its 504 within the deadline, and it serves again once the runtime answers", async () => {
    // The runtime stops as the ended conversation's session is handed on to be rewound.
    const answer = await stoppedAt(gw.turns.recycled, "offer", () => true, async (stopped) => {
      expect((await ask("first conversation")).status).toBe(200);
      expect((await ask("second conversation")).status).toBe(200);
      await waitFor(stopped);
      return ask("a new conversation");
    });
    expectTimedOut(answer, "runtime_timeout", "did not rewind a recycled session");

    expect(await ask("after")).toMatchObject({ status: 200 });
    await expectNoSessionLeft();
  });
});

onGateway("a send the runtime does not answer, after a slow session open", { warmSessions: 0, recycledSessions: 0 }, () => {
  it("gives the request its 504 within the deadline, saying the runtime did not take the turn", async () => {
    const opens = hold(CopilotClient.prototype, "createSession");
    const sends = hold(CopilotSession.prototype, "send", { reachRuntime: false });
    // The session opens just within the deadline; the message sent on it is never answered.
    const slowOpen = setTimeout(() => opens.release(), DEADLINE_MS * 0.9);
    try {
      expectTimedOut(await ask("never taken", true), "runtime_timeout", "did not take the turn");
    } finally {
      clearTimeout(slowOpen);
      opens.release();
    }
    expect(sends.count).toBe(1);

    sends.letThrough();
    expect(await ask("after")).toMatchObject({ status: 200 });
    await expectNoSessionLeft();
  });
});
