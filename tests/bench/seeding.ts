// The seeding bench: a new conversation that arrives with 10 or 200 earlier
// messages (a restart, a second gateway process, an evicted session), seeded
// as the session's own history against flattened into one transcript prompt,
// TTFT side by side in one run. Flattened is the same gateway with seeding
// made to fail, so it takes its documented fallback.
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import type { Script } from "../support/upstream.js";
import { gatewayChat } from "./paths.js";
import { percentile, table } from "./stats.js";

const HISTORY_SIZES = [10, 200] as const;
const REQUESTS_PER_MODE = 40;
const WARMUP = 4;
const TOOL = { type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } };
const ANSWER: Script = { steps: Array.from({ length: 10 }, (_, i) => ({ text: `word${i} ` })), usage: { prompt_tokens: 100, completion_tokens: 10 } };

/**
 * `size` earlier messages of a coding conversation — questions, answers and
 * tool calls with their results — then a new question. `tag` makes every
 * conversation distinct, so no request continues another's session.
 */
function conversation(size: number, tag: string): Array<Record<string, unknown>> {
  const messages: Array<Record<string, unknown>> = [];
  for (let i = 0; messages.length < size; i++) {
    messages.push({ role: "user", content: `${tag} question ${i}: what does module ${i} do? ${"context ".repeat(20)}` });
    if (i % 3 === 2 && messages.length + 2 < size) {
      messages.push({ role: "assistant", content: null, tool_calls: [{ id: `call_${tag}_${i}`, type: "function", function: { name: "lookup", arguments: `{"q":"module ${i}"}` } }] });
      messages.push({ role: "tool", tool_call_id: `call_${tag}_${i}`, content: `module ${i} exports ${"symbol ".repeat(30)}` });
    }
    if (messages.length < size) messages.push({ role: "assistant", content: `Module ${i} handles ${"details ".repeat(25)}` });
  }
  messages.length = size;
  if (messages.at(-1)!.role === "user") messages.push({ role: "assistant", content: "Noted." });
  messages.push({ role: "user", content: `${tag}: and now?` });
  return messages;
}

interface Mode {
  name: "seeded" | "flattened";
  gateway: TestGateway;
  baseUrl: string;
}

export async function benchSeeding(): Promise<void> {
  console.log(`bench: new conversations with earlier history — seeded vs flattened, ${REQUESTS_PER_MODE} requests per mode and size …`);
  const seeded = await startGateway({}, { logging: "production" });
  const flattened = await startGateway({}, { logging: "production" });
  // The fallback path, as when a runtime's state directory is out of reach.
  flattened.runtime.seedSession = () => Promise.reject(new Error("bench: seeding switched off"));
  try {
    const modes: Mode[] = [
      { name: "seeded", gateway: seeded, baseUrl: await seeded.listen() },
      { name: "flattened", gateway: flattened, baseUrl: await flattened.listen() },
    ];
    for (const mode of modes) mode.gateway.upstream.respond(() => ANSWER);
    const rows: string[][] = [];
    let n = 0;
    for (const size of HISTORY_SIZES) {
      const ttft = new Map<string, number[]>(modes.map((mode) => [mode.name, []]));
      for (let i = 0; i < WARMUP + REQUESTS_PER_MODE; i++) {
        // Alternate which mode goes first, so drift hits both alike.
        for (const mode of i % 2 === 0 ? modes : [...modes].reverse()) {
          const sample = await gatewayChat(mode.baseUrl, { model: TEST_MODEL, tools: [TOOL], messages: conversation(size, `c${n++}`) });
          if (i >= WARMUP) ttft.get(mode.name)!.push(sample.ttftMs);
          mode.gateway.upstream.calls.length = 0;
        }
      }
      const [a, b] = [ttft.get("seeded")!, ttft.get("flattened")!];
      rows.push([String(size), percentile(a, 50).toFixed(2), percentile(a, 99).toFixed(2), percentile(b, 50).toFixed(2), percentile(b, 99).toFixed(2), `${(percentile(a, 50) / percentile(b, 50)).toFixed(2)}×`]);
    }
    console.log("");
    console.log("a new conversation arriving with earlier messages (TTFT, ms; c=1; each request a distinct conversation):");
    console.log(table(["earlier messages", "seeded p50", "seeded p99", "flattened p50", "flattened p99", "seeded / flattened p50"], rows));
    console.log("seeded: the history becomes the session's own messages (native tool calls and results); flattened: one transcript prompt, the fallback.");
  } finally {
    await seeded.close();
    await flattened.close();
  }
}
