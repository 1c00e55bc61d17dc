// What fingerprinting a long conversation costs the ledger
// per request — the chain over a 200-message agent history (user turns,
// assistant tool calls, tool results of a few hundred characters), as the
// ledger computes it to find the session a request continues.
import { fingerprintChain } from "../../src/sessions/fingerprint.js";
import type { ConversationMessage } from "../../src/core/turn.js";
import { percentile } from "./stats.js";

type DialogueMessage = Exclude<ConversationMessage, { role: "system" }>;

const RESULT = "line of a file the tool read, as an agent's tool results carry them\n".repeat(5);

function agentHistory(length: number): DialogueMessage[] {
  return Array.from({ length }, (_, i): DialogueMessage => {
    if (i % 3 === 0) return { role: "user", content: [{ type: "text", text: `Step ${i}: read the next file and say what it does.` }] };
    if (i % 3 === 1) return { role: "assistant", text: "", toolCalls: [{ id: `call_${i}`, name: "read_file", arguments: JSON.stringify({ path: `src/file-${i}.ts` }) }] };
    return { role: "tool", toolCallId: `call_${i - 1}`, text: RESULT };
  });
}

/** Median ms for one chain over `length` messages, each run on a fresh copy (as a request's parse makes one). */
export function fingerprintCost(length: number, runs = 200): { totalMs: number; perMessageUs: number } {
  const text = JSON.stringify(agentHistory(length));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const messages = JSON.parse(text) as DialogueMessage[];
    const started = performance.now();
    fingerprintChain(messages);
    times.push(performance.now() - started);
  }
  const totalMs = percentile(times, 50);
  return { totalMs, perMessageUs: (totalMs * 1000) / length };
}
