// Edited and regenerated turns branch a conversation: the gateway forks the
// recorded session before the user message that changed, so the model sees
// the shared history natively and none of the abandoned branch.
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { contentText } from "../support/upstream.js";

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
  return { session: response.headers.get("x-copilot-session-id")!, answer: body.choices[0]!.message.content };
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

it("forks an edited user turn: the model sees the shared history natively and not the old branch", async () => {
  const { session, history } = await twoTurns("edit");
  const edited = await ask([...history.slice(0, 2), { role: "user", content: "edit two, reworded" }]);
  expect(edited.answer).toBe("echo: edit two, reworded");
  expect(edited.session).not.toBe(session);
  expect(upstreamDialogue()).toEqual(["user: edit one", "assistant: echo: edit one", "user: edit two, reworded"]);
});

it("forks a regenerated answer, and the original branch still continues on its own session", async () => {
  const { session, history, secondAnswer } = await twoTurns("regen");
  gw.upstream.respondInOrder({ steps: [{ text: "another take" }] });
  const regenerated = await ask(history);
  expect(regenerated.answer).toBe("another take");
  expect(regenerated.session).not.toBe(session);
  expect(upstreamDialogue()).toEqual(["user: regen one", "assistant: echo: regen one", "user: regen two"]);

  const onward = await ask([...history, { role: "assistant", content: secondAnswer }, { role: "user", content: "regen three" }]);
  expect(onward.session).toBe(session);
  expect(upstreamDialogue()).toEqual(["user: regen one", "assistant: echo: regen one", "user: regen two", "assistant: echo: regen two", "user: regen three"]);
});
