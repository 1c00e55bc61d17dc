// A new conversation gets the session of one that ended (an idle
// conversation past the live-session limit, or evicted at the ledger's cap),
// rewound to its start: origin
// `recycled`, nothing of the old conversation reaching the model or left on
// disk, never across keys or configurations, and the old conversation, if it
// goes on, seeded with its whole history.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { contentText, echoResponder } from "../support/upstream.js";
import { waitFor } from "../support/wait-for.js";

const SECRET = "platypus4417secret";

let gw: TestGateway;
beforeAll(async () => {
  // No sessions opened ahead (they would serve the new conversations first); two idle conversations stay live.
  gw = await startGateway({ apiKeys: ["key-a", "key-b"], warmSessions: 0, liveSessions: 2, recycledSessions: 4 });
});
afterAll(() => gw.close());
beforeEach(() => {
  gw.upstream.reset();
  gw.upstream.respond(echoResponder);
});

type Message = { role: string; content: string };
async function ask(messages: Message[], key = "key-a", system = "You are terse.") {
  const response = await gw.post("/v1/chat/completions", { model: TEST_MODEL, messages: [{ role: "system", content: system }, ...messages] }, { authorization: `Bearer ${key}` });
  expect(response.status).toBe(200);
  const answer = ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
  expect(answer).toBe(`echo: ${messages.at(-1)!.content}`);
  return { answer, session: response.headers.get("x-copilot-session-id")!, origin: response.headers.get("x-copilot-session-origin") };
}

/** Every file of every session the runtime keeps, as text. */
async function allSessionFiles(): Promise<string> {
  const root = join(gw.dataDir, "session-state");
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(entries.filter((entry) => entry.isFile()).map((entry) => readFile(join(entry.parentPath, entry.name), "utf8").catch(() => "")));
  return texts.join("\n");
}


it("hands an ended conversation's session, emptied, to the next new conversation of the same key and configuration only", async () => {
  const secretive = await ask([{ role: "user", content: `remember ${SECRET}` }]);
  expect(secretive.origin).toBe("new");
  expect(await allSessionFiles()).toContain(SECRET);
  gw.upstream.reset();
  gw.upstream.respond(echoResponder);
  await ask([{ role: "user", content: "second conversation" }]);
  await ask([{ role: "user", content: "third conversation" }]);
  // Three idle conversations, two kept live: the oldest, the secretive one, is recycled (when its turn's ending is recorded).
  await waitFor(() => gw.turns.recycled.size === 1);

  // Another key, or another system prompt, never gets it.
  const otherKey = await ask([{ role: "user", content: "key b's conversation" }], "key-b");
  expect(otherKey.origin).toBe("new");
  expect(otherKey.session).not.toBe(secretive.session);
  const otherPrompt = await ask([{ role: "user", content: "another configuration" }], "key-a", "You are verbose.");
  expect(otherPrompt.origin).toBe("new");
  expect(otherPrompt.session).not.toBe(secretive.session);

  const reused = await ask([{ role: "user", content: "a fresh start" }]);
  expect(reused.origin).toBe("recycled");
  expect(reused.session).toBe(secretive.session);
  // No model request since the secretive conversation carried its secret.
  expect(gw.upstream.calls.map((call) => JSON.stringify(call.request)).join("\n")).not.toContain(SECRET);
  expect(gw.upstream.calls.at(-1)!.request.messages.map((message) => [message.role, contentText(message.content).replace(/^<current_datetime>[\s\S]*?<\/current_datetime>\s*/, "")])).toEqual([
    ["system", "You are terse."],
    ["user", "a fresh start"],
  ]);
  // Nothing of the secretive conversation is left in any session's files.
  expect(await allSessionFiles()).not.toContain(SECRET);

  // The recycled session goes on as the new conversation's own.
  const onward = await ask([{ role: "user", content: "a fresh start" }, { role: "assistant", content: reused.answer }, { role: "user", content: "and on" }]);
  expect(onward).toMatchObject({ origin: "continued", session: secretive.session });

  // The secretive conversation itself still goes on, seeded with its whole history.
  const resumed = await ask([{ role: "user", content: `remember ${SECRET}` }, { role: "assistant", content: secretive.answer }, { role: "user", content: "what was it?" }]);
  expect(resumed.origin).toBe("seeded");
  expect(resumed.session).not.toBe(secretive.session);
  expect(contentText(gw.upstream.calls.at(-1)!.request.messages[1]!.content)).toContain(SECRET);
});

it("recycles a conversation evicted at the ledger's cap too, but never one waiting on tool calls", async () => {
  const capped = await startGateway({ warmSessions: 0, maxSessions: 2, recycledSessions: 4 });
  try {
    const post = async (messages: object[], tools: object[] = []) => {
      const response = await capped.post("/v1/chat/completions", { model: TEST_MODEL, tools, messages });
      expect(response.status).toBe(200);
      return { session: response.headers.get("x-copilot-session-id"), origin: response.headers.get("x-copilot-session-origin") };
    };
    const lookup = { type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } };
    // A conversation left waiting on its tool call, then two more: it is evicted, closed (it is in the middle of a turn).
    capped.upstream.respondInOrder({ steps: [{ toolCall: { id: "call_wait", name: "lookup", arguments: "{}" } }], finishReason: "tool_calls" });
    const waiting = await post([{ role: "user", content: "call it" }], [lookup]);
    await post([{ role: "user", content: "one" }], [lookup]);
    await post([{ role: "user", content: "two" }], [lookup]);
    expect(capped.turns.recycled.size).toBe(0);
    // Now "one", idle and waiting on nothing, is evicted by a third: recycled.
    const one = capped.turns.ledger.sessions().find((held) => held.sessionId !== waiting.session)!;
    await post([{ role: "user", content: "three" }], [lookup]);
    await waitFor(() => capped.turns.recycled.size === 1);
    const next = await post([{ role: "user", content: "four" }], [lookup]);
    expect(next).toEqual({ session: one.sessionId, origin: "recycled" });
  } finally {
    await capped.close();
  }
});
