// The version guard for seeding. The runtime does not check the format of the
// session files it loads (`session.start.version` is not read), so an SDK
// upgrade that changes it would not announce itself: seeded conversations
// would quietly lose messages. This test runs a real conversation (text,
// reasoning, a tool call and its result), reads the file the runtime itself
// wrote, and compares it field by field with what the history builder writes
// for the same dialogue. It fails naming the field.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { historyEvents, SEEDED_EVENTS_VERSION } from "../../src/sessions/history-events.js";
import type { DialogueMessage } from "../../src/sessions/ledger.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

/**
 * Fields the runtime writes that seeding leaves out on purpose: ids, telemetry
 * and bookkeeping of a live run that the model never reads. A field missing
 * from this list and from the builder is new: look at what it means before
 * adding it to one of the two.
 */
const RUNTIME_ONLY_FIELDS: Record<string, readonly string[]> = {
  "session.start": ["selectedModel", "contextTier", "remoteSteerable", "alreadyInUse", "reasoningEffort"],
  "user.message": ["messageId", "supportedNativeDocumentMimeTypes", "delivery", "interactionId", "turnId", "parentAgentTaskId", "source", "agentMode"],
  "assistant.message": ["originatingMessageId", "model", "interactionId", "turnId", "rte", "apiCallId", "outputTokens", "requestId", "serviceRequestId", "phase", "reasoningWireField"],
  "tool.execution_complete": ["model", "interactionId", "turnId", "rte", "toolTelemetry", "sandboxed", "toolDescription"],
};
/**
 * Where the builder differs on purpose. Arguments: the runtime stores the
 * parsed object, the builder the client's own string, which the runtime sends
 * upstream verbatim (seeding.test.ts checks what the model receives).
 */
const DELIBERATE_DIFFERENCES = new Set(["assistant.message .data.toolRequests[0].arguments"]);
const ENVELOPE_FIELDS = ["type", "data", "id", "timestamp", "parentId"];
const RUNTIME_ONLY_ENVELOPE_FIELDS = ["agentId", "ephemeral"];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function kind(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

/** Every leaf path of the builder's event, with its JSON kind: the real event must have the same. */
function compare(type: string, ours: Json, theirs: Json, path: string, problems: string[]): void {
  if (DELIBERATE_DIFFERENCES.has(`${type} ${path}`)) return;
  if (kind(ours) !== kind(theirs)) {
    problems.push(`${type} ${path}: the builder writes ${kind(ours)}, the runtime ${kind(theirs)}`);
    return;
  }
  if (kind(ours) === "object") {
    const mine = ours as Record<string, Json>;
    const real = theirs as Record<string, Json>;
    for (const key of Object.keys(mine)) {
      if (!(key in real)) problems.push(`${type} ${path}.${key}: written by the builder, not by the runtime`);
      else compare(type, mine[key]!, real[key]!, `${path}.${key}`, problems);
    }
  } else if (kind(ours) === "array") {
    const [first] = ours as Json[];
    const [firstReal] = theirs as Json[];
    if (first !== undefined && firstReal !== undefined) compare(type, first, firstReal, `${path}[0]`, problems);
  }
}

it("writes what the runtime writes: every field by name and kind, and nothing new unaccounted for", async () => {
  gw.upstream.respondInOrder(
    { steps: [{ reasoning: "use the tool" }, { text: "Looking." }, { toolCall: { id: "call_1", name: "lookup", arguments: '{"q":"x"}' } }] },
    { steps: [{ text: "Found it." }] },
  );
  const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } }];
  const messages: Array<Record<string, unknown>> = [{ role: "user", content: "find x" }];
  const first = await gw.post("/v1/chat/completions", { model: TEST_MODEL, tools, messages });
  const sessionId = first.headers.get("x-copilot-session-id")!;
  const call = ((await first.json()) as { choices: Array<{ message: Record<string, unknown> }> }).choices[0]!.message;
  messages.push(call, { role: "tool", tool_call_id: "call_1", content: "x is 42" });
  const second = await gw.post("/v1/chat/completions", { model: TEST_MODEL, tools, messages });
  expect(second.status).toBe(200);
  expect(second.headers.get("x-copilot-session-id")).toBe(sessionId);

  const file = await readFile(join(gw.dataDir, "session-state", sessionId, "events.jsonl"), "utf8");
  const real = file.trim().split("\n").map((line) => JSON.parse(line) as Record<string, Json>);
  const dialogue: DialogueMessage[] = [
    { role: "user", content: [{ type: "text", text: "find x" }] },
    { role: "assistant", text: "Looking.", toolCalls: [{ id: "call_1", name: "lookup", arguments: '{"q":"x"}' }], reasoning: "use the tool" },
    { role: "tool", toolCallId: "call_1", text: "x is 42" },
    { role: "assistant", text: "Found it.", toolCalls: [] },
  ];
  let n = 0;
  const { events: ours } = historyEvents(dialogue, { sessionId, cwd: "/tmp", now: new Date(), newId: () => `id-${n++}` });

  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const event of ours as unknown as Array<Record<string, Json>>) {
    const type = event.type as string;
    // The k-th event of a type is compared with the runtime's k-th of that type.
    const k = seen.get(type) ?? 0;
    seen.set(type, k + 1);
    const match = real.filter((candidate) => candidate.type === type)[k];
    if (!match) {
      problems.push(`${type}: the runtime wrote no such event`);
      continue;
    }
    for (const key of Object.keys(match)) {
      if (!ENVELOPE_FIELDS.includes(key) && !RUNTIME_ONLY_ENVELOPE_FIELDS.includes(key)) problems.push(`${type} .${key}: a new envelope field`);
    }
    compare(type, event, match, "", problems);
    const written = new Set(Object.keys(event.data as object));
    for (const key of Object.keys(match.data as object)) {
      if (!written.has(key) && !RUNTIME_ONLY_FIELDS[type]!.includes(key)) problems.push(`${type} .data.${key}: a new field the builder does not know`);
    }
  }
  const start = real.find((event) => event.type === "session.start")!;
  if ((start.data as { version: number }).version !== SEEDED_EVENTS_VERSION) problems.push(`session.start .data.version: the runtime writes ${(start.data as { version: number }).version}`);
  expect(problems).toEqual([]);
});
