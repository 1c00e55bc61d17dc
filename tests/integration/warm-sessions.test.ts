// A new conversation does not wait for a session when one was opened ahead
// for its configuration, and an idle conversation goes on without a resume
// while it is among the most recently used.
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { chatBody, startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { echoResponder, sleep } from "../support/upstream.js";

const WEATHER = { type: "function", function: { name: "weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } } };
const CLOCK = { type: "function", function: { name: "clock", description: "The time", parameters: { type: "object", properties: {} } } };

let gw: TestGateway;
let resumed = 0;
beforeAll(async () => {
  // Recycling off: with two idle conversations kept live, ended ones would serve the new conversations first (recycled-sessions.test.ts).
  gw = await startGateway({ warmSessions: 2, liveSessions: 2, recycledSessions: 0 });
  const resume = gw.runtime.resumeSession.bind(gw.runtime);
  gw.runtime.resumeSession = (sessionId, spec) => (resumed++, resume(sessionId, spec));
});
afterAll(() => gw.close());
beforeEach(() => {
  gw.upstream.reset();
  gw.upstream.respond(echoResponder);
});

/** A new conversation with this system prompt and tools; its answer's session origin. */
async function converse(system: string, tools: object[], question: string, headers: Record<string, string> = {}) {
  const response = await gw.post("/v1/chat/completions", { model: TEST_MODEL, tools, messages: [{ role: "system", content: system }, { role: "user", content: question }] }, headers);
  expect(response.status).toBe(200);
  const answer = ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
  expect(answer).toBe(`echo: ${question}`);
  return response.headers.get("x-copilot-session-origin");
}

/** Until the sessions opened ahead are ready (they open in the background, once a turn is over: maybe after its answer arrived). */
const warmedUp = () => gw.turns.settled();

it("gives each new conversation after the first a session opened ahead for the same model, system prompt and tools", async () => {
  expect(await converse("You are agent A.", [WEATHER], "task 1")).toBe("new");
  for (let task = 2; task <= 4; task++) {
    await warmedUp();
    expect(await converse("You are agent A.", [WEATHER], `task ${task}`)).toBe("warm");
  }
  // The ready session was opened with this configuration: the model sees it as its own.
  const sent = gw.upstream.calls.at(-1)!.request;
  expect(sent.messages[0]).toMatchObject({ role: "system", content: "You are agent A." });
  expect(sent.tools?.map((tool) => tool.function.name)).toEqual(["weather"]);
  expect(sent.messages.filter((message) => message.role === "user")).toHaveLength(1);
});

it("never hands a ready session to another configuration (nor, as the caller is part of it, to another caller)", async () => {
  await warmedUp();
  expect(await converse("You are agent A.", [CLOCK], "other tools")).toBe("new");
  expect(await converse("You are agent B.", [WEATHER], "other prompt")).toBe("new");
  await warmedUp();
  const sent = gw.upstream.calls.at(-1)!.request;
  expect(sent.tools?.map((tool) => tool.function.name)).toEqual(["weather"]);
  expect(sent.messages[0]).toMatchObject({ content: "You are agent B." });
});

it("keeps at most the configured number ready, and closes those unused for a while", async () => {
  await warmedUp();
  expect(gw.turns.warm.size).toBeLessThanOrEqual(2);
  gw.turns.warm.sweep(Date.now() + 60 * 60_000);
  expect(gw.turns.warm.size).toBe(0);
  await warmedUp();
  expect(await converse("You are agent A.", [WEATHER], "after the sweep")).toBe("new");
});

it("goes on with idle conversations without resuming them while they are among the most recent, and resumes the older ones", async () => {
  gw.turns.warm.sweep(Date.now() + 60 * 60_000);
  const opened: Array<Array<{ role: string; content: string }>> = [];
  for (let n = 0; n < 3; n++) {
    const messages = [{ role: "user", content: `chat ${n}` }];
    const response = await gw.post("/v1/chat/completions", chatBody(`chat ${n}`));
    const answer = ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
    opened.push([...messages, { role: "assistant", content: answer }]);
  }
  const resumedBefore = resumed;
  // The two most recent (liveSessions: 2) go on at once; the oldest was suspended and is resumed.
  for (const n of [2, 1, 0]) {
    const response = await gw.post("/v1/chat/completions", { model: TEST_MODEL, messages: [...opened[n]!, { role: "user", content: `chat ${n} goes on` }] });
    expect(response.headers.get("x-copilot-session-origin")).toBe("continued");
  }
  expect(resumed - resumedBefore).toBe(1);
});
