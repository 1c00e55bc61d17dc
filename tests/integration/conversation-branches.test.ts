// Edited and regenerated turns branch a conversation: the gateway rewinds the
// recorded session in place to before the user message that changed (origin
// `rewound`), so the model sees the shared history natively and none of the
// abandoned branch, which is gone from the session's files too; the
// abandoned branch, if it goes on after all, is seeded.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { contentText } from "../support/upstream.js";
import { waitFor } from "../support/wait-for.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => gw.upstream.reset());

type Message = { role: string; content: string };
const ask = async (messages: Message[]) => {
  const response = await gw.post("/v1/chat/completions", { model: TEST_MODEL, messages });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
  return { session: response.headers.get("x-copilot-session-id")!, origin: response.headers.get("x-copilot-session-origin"), answer: body.choices[0]!.message.content };
};
const upstreamDialogue = (call = gw.upstream.calls.at(-1)!) =>
  call.request.messages.filter((m) => m.role !== "system").map((m) => `${m.role}: ${contentText(m.content).replace(/^<current_datetime>[\s\S]*?<\/current_datetime>\s*/, "")}`);

async function twoTurns(tag: string) {
  const first = await ask([{ role: "user", content: `${tag} one` }]);
  const history: Message[] = [{ role: "user", content: `${tag} one` }, { role: "assistant", content: first.answer }, { role: "user", content: `${tag} two` }];
  const second = await ask(history);
  expect(second.session).toBe(first.session);
  return { session: first.session, history, secondAnswer: second.answer };
}

it("rewinds an edited user turn in place: the model sees the shared history natively, and the old branch is gone from disk", async () => {
  const { session, history } = await twoTurns("edit");
  history[2] = { role: "user", content: "edit two, with wombat9921" };
  const planted = await ask(history);
  expect(planted.origin).toBe("rewound");
  const edited = await ask([...history.slice(0, 2), { role: "user", content: "edit two, reworded" }]);
  expect(edited.answer).toBe("echo: edit two, reworded");
  expect(edited).toMatchObject({ session, origin: "rewound" });
  expect(upstreamDialogue()).toEqual(["user: edit one", "assistant: echo: edit one", "user: edit two, reworded"]);
  const events = await readFile(join(gw.dataDir, "session-state", session, "events.jsonl"), "utf8");
  expect(events).not.toContain("wombat9921");
  expect(events).toContain("edit two, reworded");
});

it("rewinds a regenerated answer, reports that turn's own usage, and the original branch goes on seeded", async () => {
  const { session, history, secondAnswer } = await twoTurns("regen");
  gw.upstream.respondInOrder({ steps: [{ text: "another take" }], usage: { prompt_tokens: 777, completion_tokens: 3 } });
  const response = await gw.post("/v1/chat/completions", { model: TEST_MODEL, messages: history });
  const regenerated = (await response.json()) as { choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number } };
  expect(regenerated.choices[0]!.message.content).toBe("another take");
  expect(response.headers.get("x-copilot-session-id")).toBe(session);
  expect(response.headers.get("x-copilot-session-origin")).toBe("rewound");
  expect(regenerated.usage.prompt_tokens).toBe(777);
  expect(upstreamDialogue()).toEqual(["user: regen one", "assistant: echo: regen one", "user: regen two"]);

  // Regenerated again: the ledger's fork point now names the new branch's message.
  gw.upstream.respondInOrder({ steps: [{ text: "a third take" }] });
  const again = await ask(history);
  expect(again).toMatchObject({ session, origin: "rewound", answer: "a third take" });

  const onward = await ask([...history, { role: "assistant", content: secondAnswer }, { role: "user", content: "regen three" }]);
  expect(onward.origin).toBe("seeded");
  expect(upstreamDialogue()).toEqual(["user: regen one", "assistant: echo: regen one", "user: regen two", "assistant: echo: regen two", "user: regen three"]);
});

it("never rewinds a session while its turn runs: the edit is served on a seeded session, and the running turn ends whole", async () => {
  const { session, history } = await twoTurns("busy");
  gw.upstream.respond((request) => (contentText(request.messages.at(-1)!.content).includes("slow") ? { steps: [{ delayMs: 1_000 }, { text: "slow answer" }] } : { steps: [{ text: "quick answer" }] }));
  const calls = gw.upstream.calls.length;
  const running = ask([...history, { role: "assistant", content: "echo: busy two" }, { role: "user", content: "slow" }]);
  await waitFor(() => gw.upstream.calls.length > calls);
  const edited = await ask([...history.slice(0, 2), { role: "user", content: "busy two, edited" }]);
  expect(edited.origin).toBe("seeded");
  expect(edited.session).not.toBe(session);
  expect(edited.answer).toBe("quick answer");
  expect(await running).toMatchObject({ session, origin: "continued", answer: "slow answer" });
});

const LOOKUP = { type: "function", function: { name: "lookup", description: "Looks a word up", parameters: { type: "object", properties: { q: { type: "string" } } } } };
const callOf = (id: string) => ({ steps: [{ toolCall: { id, name: "lookup", arguments: '{"q":"x"}' } }], finishReason: "tool_calls" as const });
const askWithTools = async (messages: Array<Record<string, unknown>>) => {
  const response = await gw.post("/v1/chat/completions", { model: TEST_MODEL, tools: [LOOKUP], messages });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { choices: Array<{ message: Record<string, unknown> }> };
  return { message: body.choices[0]!.message, session: response.headers.get("x-copilot-session-id"), origin: response.headers.get("x-copilot-session-origin") };
};

it("seeds an edit whose kept history holds tool results on a session that calls the provider directly", async () => {
  // Rewound, that session would read its tool messages back with a private field a strict provider refuses (the relay is not on its path).
  gw.upstream.respondInOrder(callOf("call_kept"), { steps: [{ text: "looked up" }] });
  const history: Array<Record<string, unknown>> = [{ role: "user", content: "tools one" }];
  history.push((await askWithTools(history)).message, { role: "tool", tool_call_id: "call_kept", content: "x: found" });
  const answered = await askWithTools(history);
  history.push(answered.message, { role: "user", content: "tools two" });
  expect((await askWithTools(history)).origin).toBe("continued");
  const edited = await askWithTools([...history.slice(0, -1), { role: "user", content: "tools two, edited" }]);
  expect(edited.origin).toBe("seeded");
  expect(gw.upstream.calls.at(-1)!.rejected).toBeUndefined();
});

it("after a rewind, a tool round trip goes on natively on the same session", async () => {
  const messages: Array<Record<string, unknown>> = [{ role: "user", content: "loop one" }];
  const first = await askWithTools(messages);
  messages.push(first.message, { role: "user", content: "loop two" });
  await askWithTools(messages);
  messages[2] = { role: "user", content: "loop two, edited" };
  const edited = await askWithTools(messages);
  expect(edited).toMatchObject({ session: first.session, origin: "rewound" });
  gw.upstream.respondInOrder(callOf("call_after"), { steps: [{ text: "after the loop" }] });
  messages.push(edited.message, { role: "user", content: "now look it up" });
  const called = await askWithTools(messages);
  expect(called).toMatchObject({ session: first.session, origin: "continued" });
  messages.push(called.message, { role: "tool", tool_call_id: "call_after", content: "x: found" });
  const answered = await askWithTools(messages);
  expect(answered).toMatchObject({ session: first.session, origin: "continued", message: { content: "after the loop" } });
  expect(gw.upstream.calls.filter((call) => call.rejected)).toEqual([]);
});
