// What rewinding a session in place does on the real runtime, checked before
// the gateway relies on it: `history.truncate` to a user
// message leaves exactly the history before it (text, tool calls and their
// results, reasoning) for the model's next request; the removed events are
// gone from the session's directory on disk, not only from memory; the
// per-turn usage after it, and the session's own usage figures, are the new
// call's alone. The runtime reads the
// kept history back as it reads a resumed one (its tool messages gain the
// private `__copilotMessageSource`, which the gateway's relay removes), and it
// does not refuse to rewind a session whose turn is running: it answers at
// once and cuts that turn's history, so the gateway never rewinds a session
// a turn holds (the ledger leases it). What 1,000 rewinds cost is measured in
// the bench (tests/bench/rewinds.ts).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CopilotSession, SessionEvent } from "@github/copilot-sdk";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { contentText, echoResponder, type UpstreamMessage } from "../support/upstream.js";
import { waitFor } from "../support/wait-for.js";

const LOOKUP = { type: "function", function: { name: "lookup", description: "Looks a word up", parameters: { type: "object", properties: { q: { type: "string" } } } } };
const SECRET = "zebrawombat7731";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.close());
beforeEach(() => {
  gw.upstream.reset();
  gw.upstream.respond(echoResponder);
});

type Message = Record<string, unknown>;
async function chat(messages: Message[]) {
  const response = await gw.post("/v1/chat/completions", { model: TEST_MODEL, tools: [LOOKUP], messages: [{ role: "system", content: "You look words up." }, ...messages] });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { choices: Array<{ message: Message }> };
  return { sessionId: response.headers.get("x-copilot-session-id")!, message: body.choices[0]!.message };
}

/**
 * A conversation built natively through the gateway: reasoning and a tool
 * call, its result, an answer, then a second user message carrying a secret.
 * Returns its live session and the upstream request of that second turn.
 */
async function nativeConversation(tag: string) {
  gw.upstream.respondInOrder(
    { steps: [{ reasoning: `thinking about ${tag}` }, { toolCall: { id: `call_${tag}`, name: "lookup", arguments: `{"q":"${tag}"}` } }], finishReason: "tool_calls" },
    { steps: [{ text: `${tag} means a test` }] },
  );
  const first = await chat([{ role: "user", content: `look up ${tag}` }]);
  const history: Message[] = [{ role: "user", content: `look up ${tag}` }, first.message, { role: "tool", tool_call_id: `call_${tag}`, content: `${tag}: found` }];
  const second = await chat(history);
  history.push(second.message, { role: "user", content: `and ${SECRET}?` });
  const third = await chat(history);
  expect(new Set([first.sessionId, second.sessionId, third.sessionId]).size).toBe(1);
  const held = gw.turns.ledger.sessions().find((candidate) => candidate.sessionId === third.sessionId)!;
  return { session: held.live!, secretTurn: gw.upstream.calls.at(-1)!.request };
}

const userMessages = async (session: CopilotSession) => (await session.getEvents()).filter((event): event is Extract<SessionEvent, { type: "user.message" }> => event.type === "user.message");

/** What the model was sent, without the runtime's date prefix, and without `refusal: null` (live history has it, history read back does not). */
const shown = (messages: UpstreamMessage[]) =>
  messages.map(({ refusal, ...message }: UpstreamMessage & { refusal?: unknown }) => ({
    ...message,
    ...(refusal !== null && refusal !== undefined ? { refusal } : {}),
    content: typeof message.content === "string" || Array.isArray(message.content) ? contentText(message.content).replace(/^<current_datetime>[\s\S]*?<\/current_datetime>\s*/, "") : message.content,
  }));

/** Every file under the session's directory, as text. */
async function sessionFiles(sessionId: string): Promise<string> {
  const root = join(gw.dataDir, "session-state", sessionId);
  const names = await readdir(root, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(names.filter((entry) => entry.isFile()).map((entry) => readFile(join(entry.parentPath, entry.name), "utf8")));
  return texts.join("\n");
}

it("leaves exactly the history before the user message it cuts at, for the model and on disk", async () => {
  const { session, secretTurn } = await nativeConversation("quokka");
  expect(await sessionFiles(session.sessionId)).toContain(SECRET);
  const cut = (await userMessages(session)).at(-1)!;
  expect(cut.data.content).toContain(SECRET);

  const { eventsRemoved } = await session.rpc.history.truncate({ eventId: cut.id });
  expect(eventsRemoved).toBeGreaterThan(0);
  expect(await sessionFiles(session.sessionId)).not.toContain(SECRET);
  expect(JSON.stringify(await session.getEvents())).not.toContain(SECRET);

  // The runtime reloads the kept history as from disk: its tool messages gain the private
  // `__copilotMessageSource`, which a strict provider refuses (the gateway's relay removes it).
  await expect(session.sendAndWait({ prompt: "and otter?" }, 20_000)).rejects.toThrow(/__copilotMessageSource/);
  const refused = gw.upstream.calls.at(-1)!;
  expect(refused.rejected).toMatch(/__copilotMessageSource/);
  const kept = shown(secretTurn.messages.slice(0, -1));
  const sent = shown(refused.request.messages.map(({ __copilotMessageSource: _private, ...message }: UpstreamMessage & { __copilotMessageSource?: unknown }) => message));
  // Reasoning, the tool call and its result, the answer: the same as before the cut, then the new prompt.
  expect(kept.some((message) => message.role === "tool")).toBe(true);
  expect(kept.some((message) => message.tool_calls?.[0]?.id === "call_quokka")).toBe(true);
  expect(JSON.stringify(kept)).toContain("thinking about quokka");
  expect(sent).toEqual([...kept, { role: "user", content: "and otter?" }]);
  expect(JSON.stringify(refused.request)).not.toContain(SECRET);
});

it("rewound to its first user message (history.rewind, conversation only), a session holds nothing of its conversation", async () => {
  const { session } = await nativeConversation("axolotl");
  const first = (await userMessages(session))[0]!;
  expect(await session.rpc.history.rewind({ eventId: first.id, mode: "conversation" })).toMatchObject({ outcome: "success" });
  const files = await sessionFiles(session.sessionId);
  expect(files).not.toContain(SECRET);
  expect(files).not.toContain("axolotl");
  expect((await session.getEvents()).map((event) => event.type)).not.toContain("assistant.message");

  gw.upstream.respondInOrder({ steps: [{ text: "fresh" }], usage: { prompt_tokens: 4321, completion_tokens: 5 } });
  const usage: number[] = [];
  session.on("assistant.usage", (event) => usage.push(event.data.inputTokens ?? -1));
  await session.sendAndWait({ prompt: "a new start" }, 20_000);
  expect(shown(gw.upstream.calls.at(-1)!.request.messages)).toEqual([
    { role: "system", content: "You look words up." },
    { role: "user", content: "a new start" },
  ]);
  // The turn after a rewind reports its own call's usage, nothing carried over.
  expect(usage).toEqual([4321]);
  // The session's own figures restart too: one request, that call's tokens.
  const metrics = await session.rpc.usage.getMetrics();
  expect(metrics.totalUserRequests).toBe(1);
  expect(metrics.modelMetrics[TEST_MODEL]?.usage).toMatchObject({ inputTokens: 4321, outputTokens: 5 });
});

/** Starts a slow turn on the session and resolves once the model has been called; `idle` resolves when the turn is over. */
async function slowTurn(session: CopilotSession) {
  gw.upstream.respondInOrder({ steps: [{ delayMs: 1_000 }, { text: "slow answer" }] });
  const calls = gw.upstream.calls.length;
  const idle = new Promise<void>((resolve) => session.on("session.idle", () => resolve()));
  await session.send({ prompt: "take your time" });
  await waitFor(() => gw.upstream.calls.length > calls);
  return idle;
}

it("neither history.rewind nor history.truncate refuses a session whose turn runs: the gateway must never ask", async () => {
  const { session } = await nativeConversation("okapi");
  const first = (await userMessages(session))[0]!;
  let idle = await slowTurn(session);
  // Both answer at once (nothing hangs), and both cut the running turn's history from under it.
  expect(await session.rpc.history.rewind({ eventId: first.id, mode: "conversation" })).toMatchObject({ outcome: "success" });
  await idle;
  expect((await session.getEvents()).map((event) => event.type)).not.toContain("user.message");

  const { session: other } = await nativeConversation("tapir");
  const start = (await userMessages(other))[0]!;
  idle = await slowTurn(other);
  expect((await other.rpc.history.truncate({ eventId: start.id })).eventsRemoved).toBeGreaterThan(0);
  await idle;
  expect((await other.getEvents()).map((event) => event.type)).not.toContain("user.message");
});
