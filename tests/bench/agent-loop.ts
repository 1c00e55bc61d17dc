// The agent-loop bench: a 5-step agent loop through the gateway, per-step TTFT and
// the loop's total time, with the conversation ledger (one native session for
// the whole loop) against a new session per request (the same gateway, but
// every request under another API key, so the ledger never matches and each
// step gets a fresh session seeded with the history).
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { contentText, type Responder } from "../support/upstream.js";
import { gatewayChat } from "./paths.js";
import { percentile, table } from "./stats.js";

const TOOL_STEPS = 5;
const LOOPS_PER_MODE = 12;
const TOOL = { type: "function", function: { name: "lookup", parameters: { type: "object", properties: { step: { type: "number" } } } } };
const FINAL_ANSWER = "the loop is finished and every lookup came back as expected ".repeat(3).split(" ");

/**
 * Calls the tool until it has seen TOOL_STEPS results, native (ledger) or in a
 * transcript (new session per request), then answers in 30 deltas.
 */
const loopResponder: Responder = (request) => {
  const native = request.messages.filter((message) => message.role === "tool").length;
  const transcribed = (contentText(request.messages.at(-1)?.content).match(/\[tool result for /g) ?? []).length;
  const results = Math.max(native, transcribed);
  if (results < TOOL_STEPS) {
    return { steps: [{ toolCall: { id: `call_${results + 1}`, name: "lookup", arguments: JSON.stringify({ step: results + 1, note: "x".repeat(40) }), chunks: 5 } }] };
  }
  return { steps: FINAL_ANSWER.map((word) => ({ text: `${word} ` })) };
};

interface StepSample {
  ttftMs: number;
  totalMs: number;
}

interface Mode {
  name: string;
  gateway: TestGateway;
  baseUrl: string;
  /** API key for the n-th request of the whole run. */
  keyFor: (request: number) => string | undefined;
}

export async function benchAgentLoop(): Promise<void> {
  console.log(`bench: agent loop — ${TOOL_STEPS} tool steps + answer, ${LOOPS_PER_MODE} loops per mode …`);
  const keys = Array.from({ length: 64 }, (_, i) => `bench-key-${i}`);
  const withLedger = await startGateway({}, { logging: "production" });
  const perRequest = await startGateway({ apiKeys: keys }, { logging: "production" });
  try {
    withLedger.upstream.respond(loopResponder);
    perRequest.upstream.respond(loopResponder);
    let requests = 0;
    const modes: Mode[] = [
      { name: "ledger (one session)", gateway: withLedger, baseUrl: await withLedger.listen(), keyFor: () => undefined },
      { name: "new session per request", gateway: perRequest, baseUrl: await perRequest.listen(), keyFor: (n) => keys[n % keys.length] },
    ];
    const steps = new Map<string, StepSample[][]>(modes.map((mode) => [mode.name, []]));
    const loopTotals = new Map<string, number[]>(modes.map((mode) => [mode.name, []]));
    for (const mode of modes) await runLoop(mode, () => requests++); // warm-up
    for (let loop = 0; loop < LOOPS_PER_MODE; loop++) {
      // Alternate which mode goes first, so drift hits both alike.
      for (const mode of loop % 2 === 0 ? modes : [...modes].reverse()) {
        const started = performance.now();
        const samples = await runLoop(mode, () => requests++);
        loopTotals.get(mode.name)!.push(performance.now() - started);
        samples.forEach((sample, step) => {
          const perStep = steps.get(mode.name)!;
          (perStep[step] ??= []).push(sample);
        });
      }
    }
    const [ledger, fresh] = modes.map((mode) => mode.name) as [string, string];
    const rows = Array.from({ length: TOOL_STEPS + 1 }, (_, step) => {
      const a = percentile(steps.get(ledger)![step]!.map((s) => s.ttftMs), 50);
      const b = percentile(steps.get(fresh)![step]!.map((s) => s.ttftMs), 50);
      return [step < TOOL_STEPS ? `${step + 1} (tool call)` : `${step + 1} (answer)`, a.toFixed(2), b.toFixed(2), `${(b / a).toFixed(2)}×`];
    });
    const totalA = percentile(loopTotals.get(ledger)!, 50);
    const totalB = percentile(loopTotals.get(fresh)!, 50);
    rows.push(["whole loop (total)", totalA.toFixed(1), totalB.toFixed(1), `${(totalB / totalA).toFixed(2)}×`]);
    console.log("");
    console.log("agent loop, TTFT p50 per step in ms (first content or tool-call chunk), and the loop's total p50:");
    console.log(table(["step", ledger, fresh, "gain"], rows));
    const upstreamUsers = withLedger.upstream.calls.map((call) => call.request.messages.filter((m) => m.role === "user").length);
    console.log(`ledger: every upstream call carried ${Math.min(...upstreamUsers)}–${Math.max(...upstreamUsers)} user message(s) (1 = one native session per loop)`);
  } finally {
    await withLedger.close();
    await perRequest.close();
  }
}

/** One client-side loop: send, answer each tool call, repeat until the answer. */
async function runLoop(mode: Mode, nextRequest: () => number): Promise<StepSample[]> {
  const messages: unknown[] = [{ role: "user", content: `Run the lookups (${Math.random().toString(36).slice(2)}).` }];
  const samples: StepSample[] = [];
  for (let step = 0; step <= TOOL_STEPS; step++) {
    const key = mode.keyFor(nextRequest());
    const { ttftMs, totalMs, text, toolCalls } = await gatewayChat(mode.baseUrl, { model: TEST_MODEL, messages, tools: [TOOL] }, key ? { authorization: `Bearer ${key}` } : {});
    samples.push({ ttftMs, totalMs });
    const toolCall = toolCalls[0];
    if (!toolCall) {
      if (step !== TOOL_STEPS) throw new Error(`${mode.name}: the loop ended after ${step} tool steps: ${text}`);
      return samples;
    }
    messages.push({ role: "assistant", content: null, tool_calls: [{ id: toolCall.id, type: "function", function: { name: toolCall.name, arguments: toolCall.arguments } }] });
    messages.push({ role: "tool", tool_call_id: toolCall.id, content: `looked up ${step + 1}` });
  }
  throw new Error(`${mode.name}: the loop did not end`);
}
