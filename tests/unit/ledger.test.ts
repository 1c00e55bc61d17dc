// Pure unit tests of the conversation ledger and its fingerprints: a fake
// session type, a fake `close` that records what it closed, and a fake clock.
// No runtime.
import { beforeEach, describe, expect, it } from "vitest";
import { fingerprintChain, hash, messageFingerprint } from "../../src/sessions/fingerprint.js";
import { ConversationLedger, type DialogueMessage, type LedgerEntry, type LedgerOptions } from "../../src/sessions/ledger.js";
import type { PendingToolCall } from "../../src/turns/run-turn.js";

interface FakeSession {
  id: string;
}

const P = "partition-a";

const user = (text: string): DialogueMessage => ({ role: "user", content: [{ type: "text", text }] });
const image = (data: string, mimeType = "image/png"): DialogueMessage => ({ role: "user", content: [{ type: "text", text: "look" }, { type: "image", mimeType, data }] });
const assistant = (text: string, callIds: string[] = [], args = "{}"): DialogueMessage => ({
  role: "assistant",
  text,
  toolCalls: callIds.map((id) => ({ id, name: "lookup", arguments: args })),
});
const toolResult = (toolCallId: string, text: string): DialogueMessage => ({ role: "tool", toolCallId, text });
const pendingFor = (...ids: string[]): PendingToolCall[] => ids.map((toolCallId) => ({ toolCallId, requestId: `req-${toolCallId}` }));

let clock: number;
let closed: string[];
let ledger: ConversationLedger<FakeSession>;

function makeLedger(options: Partial<LedgerOptions<FakeSession>> = {}): ConversationLedger<FakeSession> {
  return new ConversationLedger<FakeSession>({
    maxSessions: 10,
    idleTtlMs: 60_000,
    close: async (session) => {
      closed.push(session.id);
    },
    now: () => clock,
    ...options,
  });
}

/** Adopts a new session and records it under `transcript` with `pending` calls. */
function seed(id: string, transcript: DialogueMessage[], pending: PendingToolCall[] = [], partition = P, target = ledger): LedgerEntry<FakeSession> {
  const entry = target.adopt(partition, { id });
  target.record(entry, transcript, pending);
  return entry;
}

beforeEach(() => {
  clock = 1_000_000;
  closed = [];
  ledger = makeLedger();
});

describe("matching a request to a recorded transcript", () => {
  const transcript = [user("hello"), assistant("hi there")];

  it("finds the session for a request that adds a user message; the continuation is `send` with the new messages", () => {
    seed("s1", transcript);
    const lease = ledger.lease(P, [...transcript, user("next question")]);
    expect(lease?.entry.session.id).toBe("s1");
    expect(lease?.continuation).toEqual({ kind: "send", messages: [user("next question")] });
  });

  it("sends every user message that follows the transcript, in order", () => {
    seed("s1", transcript);
    const lease = ledger.lease(P, [...transcript, user("one"), user("two")]);
    expect(lease?.continuation).toEqual({ kind: "send", messages: [user("one"), user("two")] });
  });

  it("finds the session for tool results answering exactly its pending calls (`answer_tools`, results by tool_call_id)", () => {
    const calls = [user("do two things"), assistant("", ["call_a", "call_b"])];
    const pending = pendingFor("call_a", "call_b");
    seed("s1", calls, pending);
    // Results in the other order than the calls: matched by id, not position.
    const lease = ledger.lease(P, [...calls, toolResult("call_b", "B"), toolResult("call_a", "A")]);
    expect(lease?.entry.session.id).toBe("s1");
    expect(lease?.continuation.kind).toBe("answer_tools");
    if (lease?.continuation.kind !== "answer_tools") return;
    expect(lease.continuation.pending).toEqual(pending);
    expect([...lease.continuation.results.entries()].map(([id, message]) => [id, message.text]).sort()).toEqual([
      ["call_a", "A"],
      ["call_b", "B"],
    ]);
  });

  it("does not match when the tool results cover only some pending calls", () => {
    const calls = [user("do two things"), assistant("", ["call_a", "call_b"])];
    seed("s1", calls, pendingFor("call_a", "call_b"));
    expect(ledger.lease(P, [...calls, toolResult("call_a", "A")])).toBeUndefined();
  });

  it("does not match when a tool result has an id the session does not wait on", () => {
    const calls = [user("do two things"), assistant("", ["call_a", "call_b"])];
    seed("s1", calls, pendingFor("call_a", "call_b"));
    expect(ledger.lease(P, [...calls, toolResult("call_a", "A"), toolResult("call_x", "X")])).toBeUndefined();
    expect(ledger.lease(P, [...calls, toolResult("call_a", "A"), toolResult("call_b", "B"), toolResult("call_x", "X")])).toBeUndefined();
  });

  it("does not match two results for the same call (one would be lost)", () => {
    const calls = [user("do one thing"), assistant("", ["call_a"])];
    seed("s1", calls, pendingFor("call_a"));
    expect(ledger.lease(P, [...calls, toolResult("call_a", "x"), toolResult("call_a", "y")])).toBeUndefined();
  });

  it("does not match user messages instead of the results a session waits on", () => {
    const calls = [user("do it"), assistant("", ["call_a"])];
    seed("s1", calls, pendingFor("call_a"));
    expect(ledger.lease(P, [...calls, user("never mind")])).toBeUndefined();
    expect(ledger.lease(P, [...calls, user("first"), toolResult("call_a", "A")])).toBeUndefined();
  });

  it("takes user messages that follow all the results as a follow-up (Claude Code's reminders)", () => {
    const calls = [user("do it"), assistant("", ["call_a"])];
    seed("s1", calls, pendingFor("call_a"));
    const lease = ledger.lease(P, [...calls, toolResult("call_a", "A"), user("<system-reminder>x</system-reminder>")]);
    expect(lease?.continuation).toMatchObject({ kind: "answer_tools", followUp: [user("<system-reminder>x</system-reminder>")] });
  });

  it("does not match tool results for a session that waits on nothing", () => {
    seed("s1", transcript);
    expect(ledger.lease(P, [...transcript, toolResult("call_a", "A")])).toBeUndefined();
  });

  it("does not match a request equal to the transcript (nothing new to send)", () => {
    seed("s1", transcript);
    expect(ledger.lease(P, transcript)).toBeUndefined();
    // Still idle and findable by a real continuation.
    expect(ledger.lease(P, [...transcript, user("now something new")])?.entry.session.id).toBe("s1");
  });

  it("does not match a request whose earlier history differs (edited user message, edited answer)", () => {
    seed("s1", [user("hello"), assistant("hi there"), user("second"), assistant("second answer")]);
    expect(ledger.lease(P, [user("HELLO"), assistant("hi there"), user("second"), assistant("second answer"), user("third")])).toBeUndefined();
    expect(ledger.lease(P, [user("hello"), assistant("hi there"), user("second"), assistant("a regenerated answer"), user("third")])).toBeUndefined();
    expect(ledger.lease(P, [user("hello"), assistant("hi there"), user("second"), assistant("second answer"), user("third")])?.entry.session.id).toBe("s1");
  });

  it("does not match a request that drops a message from the middle", () => {
    seed("s1", [user("hello"), assistant("hi there"), user("second"), assistant("second answer")]);
    expect(ledger.lease(P, [user("hello"), user("second"), assistant("second answer"), user("third")])).toBeUndefined();
  });

  it("never matches across partitions (another caller, model or system prompt)", () => {
    seed("s1", transcript, [], "caller-a");
    expect(ledger.lease("caller-b", [...transcript, user("next")])).toBeUndefined();
    expect(ledger.lease(P, [...transcript, user("next")])).toBeUndefined();
    expect(ledger.lease("caller-a", [...transcript, user("next")])?.entry.session.id).toBe("s1");
  });

  it("keeps the same transcript in two partitions apart", () => {
    seed("for-a", transcript, [], "caller-a");
    seed("for-b", transcript, [], "caller-b");
    expect(closed).toEqual([]);
    expect(ledger.lease("caller-b", [...transcript, user("next")])?.entry.session.id).toBe("for-b");
    expect(ledger.lease("caller-a", [...transcript, user("next")])?.entry.session.id).toBe("for-a");
  });

  it("the longest matching prefix wins when two entries match", () => {
    seed("short", [user("one"), assistant("1")]);
    seed("long", [user("one"), assistant("1"), user("two")]);
    const lease = ledger.lease(P, [user("one"), assistant("1"), user("two"), user("three")]);
    expect(lease?.entry.session.id).toBe("long");
    expect(lease?.continuation).toEqual({ kind: "send", messages: [user("three")] });
    // The shorter one is still there for whoever continues it next.
    const next = ledger.lease(P, [user("one"), assistant("1"), user("two"), user("three")]);
    expect(next?.entry.session.id).toBe("short");
    expect(next?.continuation).toEqual({ kind: "send", messages: [user("two"), user("three")] });
  });

  it("skips a longer match that cannot take the rest and uses a shorter one that can", () => {
    seed("short", [user("one"), assistant("1")]);
    seed("long-waiting", [user("one"), assistant("1"), user("two")], pendingFor("call_z"));
    const lease = ledger.lease(P, [user("one"), assistant("1"), user("two"), user("three")]);
    expect(lease?.entry.session.id).toBe("short");
  });

  it("follows a whole tool loop on one session", () => {
    const loop: DialogueMessage[] = [user("start"), assistant("", ["call_1"])];
    const entry = seed("s1", loop, pendingFor("call_1"));
    for (let step = 1; step <= 3; step++) {
      loop.push(toolResult(`call_${step}`, `result ${step}`));
      const lease = ledger.lease(P, loop);
      expect(lease?.entry).toBe(entry);
      expect(lease?.continuation.kind).toBe("answer_tools");
      if (step < 3) {
        loop.push(assistant("", [`call_${step + 1}`]));
        ledger.record(entry, loop, pendingFor(`call_${step + 1}`));
      } else {
        loop.push(assistant("done"));
        ledger.record(entry, loop, []);
      }
    }
    expect(ledger.lease(P, [...loop, user("thanks")])?.entry).toBe(entry);
    expect(closed).toEqual([]);
  });
});

describe("fingerprint leniency", () => {
  it("matches an assistant message that called tools by its call ids, whatever its text and arguments", () => {
    seed("s1", [user("go"), assistant("Let me look that up.", ["call_1"], '{"step":1}')], pendingFor("call_1"));
    // The client dropped the text and re-serialised the arguments.
    const lease = ledger.lease(P, [user("go"), assistant("", ["call_1"], '{ "step": 1 }'), toolResult("call_1", "found")]);
    expect(lease?.entry.session.id).toBe("s1");
    expect(lease?.continuation.kind).toBe("answer_tools");
  });

  it("does not match an assistant message with other call ids", () => {
    seed("s1", [user("go"), assistant("", ["call_1"])], pendingFor("call_1"));
    expect(ledger.lease(P, [user("go"), assistant("", ["call_2"]), toolResult("call_1", "found")])).toBeUndefined();
  });

  it("ignores whitespace around assistant text", () => {
    seed("s1", [user("hello"), assistant("hi there")]);
    expect(ledger.lease(P, [user("hello"), assistant("\n  hi there \n"), user("next")])?.entry.session.id).toBe("s1");
  });

  it("ignores whitespace around tool result text", () => {
    seed("s1", [user("go"), assistant("", ["call_1"]), toolResult("call_1", "found"), assistant("done")]);
    expect(ledger.lease(P, [user("go"), assistant("", ["call_1"]), toolResult("call_1", "  found\n"), assistant("done"), user("next")])?.entry.session.id).toBe("s1");
  });

  it("ignores trailing whitespace around user text", () => {
    seed("s1", [user("hello"), assistant("hi there")]);
    expect(ledger.lease(P, [user("hello \n"), assistant("hi there"), user("next")])?.entry.session.id).toBe("s1");
  });

  it("ignores leading whitespace around user text", () => {
    seed("s1", [user("hello"), assistant("hi there")]);
    expect(ledger.lease(P, [user("  hello"), assistant("hi there"), user("next")])?.entry.session.id).toBe("s1");
  });

  it("does not ignore whitespace inside text", () => {
    seed("s1", [user("hello world"), assistant("hi there")]);
    expect(ledger.lease(P, [user("hello  world"), assistant("hi there"), user("next")])).toBeUndefined();
  });

  it("matches the same image, not a different one", () => {
    seed("s1", [image("AAAA"), assistant("a square")]);
    expect(ledger.lease(P, [image("AAAB"), assistant("a square"), user("next")])).toBeUndefined();
    expect(ledger.lease(P, [image("AAAA", "image/jpeg"), assistant("a square"), user("next")])).toBeUndefined();
    expect(ledger.lease(P, [image("AAAA"), assistant("a square"), user("next")])?.entry.session.id).toBe("s1");
  });
});

describe("leases", () => {
  const transcript = [user("hello"), assistant("hi")];
  const request = [...transcript, user("next")];

  it("are exclusive: a leased entry is not found again until it is recorded", () => {
    const entry = seed("s1", transcript);
    const first = ledger.lease(P, request);
    expect(first?.entry).toBe(entry);
    expect(ledger.lease(P, request)).toBeUndefined();
    expect(ledger.size).toBe(1);
    ledger.record(entry, [...request, assistant("answer")], []);
    expect(ledger.lease(P, [...request, assistant("answer"), user("more")])?.entry).toBe(entry);
  });

  it("a freshly adopted session is leased, not findable, until recorded", () => {
    const entry = ledger.adopt(P, { id: "s1" });
    expect(entry.key).toBe("");
    expect(ledger.size).toBe(1);
    expect(ledger.lease(P, request)).toBeUndefined();
    ledger.record(entry, transcript, []);
    expect(ledger.lease(P, request)?.entry).toBe(entry);
  });

  it("discard closes the session and it is never found again", () => {
    const entry = seed("s1", transcript);
    const lease = ledger.lease(P, request);
    expect(lease?.entry).toBe(entry);
    ledger.discard(entry);
    expect(closed).toEqual(["s1"]);
    expect(ledger.size).toBe(0);
    expect(ledger.lease(P, request)).toBeUndefined();
    // A late record of a discarded entry does not bring it back.
    ledger.record(entry, [...request, assistant("late")], []);
    expect(ledger.size).toBe(0);
    expect(ledger.lease(P, [...request, assistant("late"), user("more")])).toBeUndefined();
    expect(closed).toEqual(["s1"]);
  });

  it("discarding a freshly adopted session closes it", () => {
    const entry = ledger.adopt(P, { id: "s1" });
    ledger.discard(entry);
    expect(closed).toEqual(["s1"]);
    expect(ledger.size).toBe(0);
  });

  it("recording the same transcript twice keeps the newer entry and closes the older", () => {
    const older = seed("older", transcript);
    const newer = seed("newer", transcript);
    expect(closed).toEqual(["older"]);
    expect(ledger.size).toBe(1);
    const lease = ledger.lease(P, request);
    expect(lease?.entry).toBe(newer);
    expect(lease?.entry).not.toBe(older);
    expect(ledger.lease(P, request)).toBeUndefined();
  });
});

describe("maxSessions", () => {
  it("adopting beyond the cap closes the least recently used idle entry", () => {
    ledger = makeLedger({ maxSessions: 2 });
    const a = seed("a", [user("a"), assistant("A")]);
    clock += 10;
    seed("b", [user("b"), assistant("B")]);
    clock += 10;
    // Using `a` again makes `b` the least recently used.
    const lease = ledger.lease(P, [user("a"), assistant("A"), user("a2")]);
    expect(lease?.entry).toBe(a);
    ledger.record(a, [user("a"), assistant("A"), user("a2"), assistant("A2")], []);
    expect(closed).toEqual([]);
    clock += 10;
    ledger.adopt(P, { id: "c" });
    expect(closed).toEqual(["b"]);
    expect(ledger.size).toBe(2);
    expect(ledger.lease(P, [user("b"), assistant("B"), user("b2")])).toBeUndefined();
    expect(ledger.lease(P, [user("a"), assistant("A"), user("a2"), assistant("A2"), user("a3")])?.entry).toBe(a);
  });

  it("recording beyond the cap closes the least recently used idle entry", () => {
    ledger = makeLedger({ maxSessions: 2 });
    const a = ledger.adopt(P, { id: "a" });
    const b = ledger.adopt(P, { id: "b" });
    const c = ledger.adopt(P, { id: "c" });
    // Three leased sessions over a cap of two: none can be evicted while leased.
    expect(closed).toEqual([]);
    expect(ledger.size).toBe(3);
    ledger.record(a, [user("a"), assistant("A")], []);
    // `a` is the only idle entry, so the cap takes it.
    expect(closed).toEqual(["a"]);
    ledger.record(b, [user("b"), assistant("B")], []);
    ledger.record(c, [user("c"), assistant("C")], []);
    expect(closed).toEqual(["a"]);
    expect(ledger.size).toBe(2);
  });

  it("never evicts leased entries, even when every entry is leased", () => {
    ledger = makeLedger({ maxSessions: 1 });
    const a = seed("a", [user("a"), assistant("A")]);
    expect(ledger.lease(P, [user("a"), assistant("A"), user("a2")])?.entry).toBe(a);
    ledger.adopt(P, { id: "b" });
    ledger.adopt(P, { id: "c" });
    expect(closed).toEqual([]);
    expect(ledger.size).toBe(3);
  });

  it("evicts idle entries in least-recently-used order across partitions", () => {
    ledger = makeLedger({ maxSessions: 3 });
    seed("x1", [user("1"), assistant("1")], [], "x");
    clock += 1;
    seed("y1", [user("1"), assistant("1")], [], "y");
    clock += 1;
    seed("x2", [user("2"), assistant("2")], [], "x");
    clock += 1;
    ledger.adopt("y", { id: "y2" });
    ledger.adopt("x", { id: "x3" });
    expect(closed).toEqual(["x1", "y1"]);
  });
});

describe("idle TTL", () => {
  it("sweep() closes idle entries older than idleTtlMs and keeps fresh ones", () => {
    ledger = makeLedger({ idleTtlMs: 5_000 });
    seed("old", [user("old"), assistant("O")]);
    clock += 1_000;
    seed("fresh", [user("fresh"), assistant("F")]);
    clock += 4_500; // old: 5 500 ms idle, fresh: 4 500 ms
    ledger.sweep();
    expect(closed).toEqual(["old"]);
    expect(ledger.size).toBe(1);
    expect(ledger.lease(P, [user("fresh"), assistant("F"), user("more")])?.entry.session.id).toBe("fresh");
  });

  it("lease() sweeps before it looks", () => {
    ledger = makeLedger({ idleTtlMs: 5_000 });
    seed("s1", [user("hello"), assistant("hi")]);
    clock += 6_000;
    expect(ledger.lease(P, [user("hello"), assistant("hi"), user("next")])).toBeUndefined();
    expect(closed).toEqual(["s1"]);
    expect(ledger.size).toBe(0);
  });

  it("counts a fork source's idle time from its release, and still sweeps the entries before it", () => {
    ledger = makeLedger({ idleTtlMs: 5_000 });
    const transcript = [user("one"), assistant("echo one"), user("two"), assistant("echo two")];
    const source = ledger.adopt(P, { id: "source" });
    ledger.record(source, transcript, [], [{ index: 2, eventId: "event-two" }]);
    clock += 1_000;
    seed("other", [user("other"), assistant("O")]);
    clock += 3_000;
    // Forked from (and released) 4 s after it was recorded: in use again, and now the most recent.
    expect(ledger.leaseForkPoint(P, [user("one"), assistant("echo one"), user("two, edited")])?.entry).toBe(source);
    ledger.release(source);
    clock += 2_000;
    ledger.sweep();
    expect(closed).toEqual(["other"]);
    clock += 3_500;
    ledger.sweep();
    expect(closed).toEqual(["other", "source"]);
  });

  it("lease() of another conversation also sweeps expired entries", () => {
    ledger = makeLedger({ idleTtlMs: 5_000 });
    seed("s1", [user("hello"), assistant("hi")]);
    clock += 6_000;
    expect(ledger.lease(P, [user("unrelated"), assistant("x"), user("y")])).toBeUndefined();
    expect(closed).toEqual(["s1"]);
  });

  it("a session used again stays alive: the TTL counts from its last use", () => {
    ledger = makeLedger({ idleTtlMs: 5_000 });
    const entry = seed("s1", [user("hello"), assistant("hi")]);
    clock += 4_000;
    expect(ledger.lease(P, [user("hello"), assistant("hi"), user("next")])?.entry).toBe(entry);
    ledger.record(entry, [user("hello"), assistant("hi"), user("next"), assistant("again")], []);
    clock += 4_000; // 8 s after it was first recorded, 4 s after its last use
    ledger.sweep();
    expect(closed).toEqual([]);
  });

  it("never sweeps a leased entry, however long its turn runs", () => {
    ledger = makeLedger({ idleTtlMs: 5_000 });
    const entry = ledger.adopt(P, { id: "busy" });
    clock += 60_000;
    ledger.sweep();
    expect(closed).toEqual([]);
    ledger.record(entry, [user("slow"), assistant("finally")], []);
    ledger.sweep();
    expect(closed).toEqual([]);
    expect(ledger.lease(P, [user("slow"), assistant("finally"), user("next")])?.entry).toBe(entry);
  });
});

describe("closeAll", () => {
  it("closes leased and idle entries and empties the ledger", async () => {
    seed("idle", [user("a"), assistant("A")]);
    ledger.adopt(P, { id: "leased" });
    seed("waiting", [user("b"), assistant("", ["call_1"])], pendingFor("call_1"));
    await ledger.closeAll();
    expect([...closed].sort()).toEqual(["idle", "leased", "waiting"]);
    expect(ledger.size).toBe(0);
    expect(ledger.lease(P, [user("a"), assistant("A"), user("again")])).toBeUndefined();
  });

  it("waits for every close to finish", async () => {
    const finished: string[] = [];
    ledger = makeLedger({
      close: async (session) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        finished.push(session.id);
      },
    });
    seed("one", [user("a"), assistant("A")]);
    ledger.adopt(P, { id: "two" });
    await ledger.closeAll();
    expect([...finished].sort()).toEqual(["one", "two"]);
  });
});

describe("fingerprints", () => {
  const messages: DialogueMessage[] = [user("hello"), assistant("", ["call_1"]), toolResult("call_1", "result"), assistant("done"), user("more")];

  it("fingerprintChain has one value per message and is prefix-stable", () => {
    const chain = fingerprintChain(messages);
    expect(chain).toHaveLength(messages.length);
    for (let length = 0; length <= messages.length; length++) {
      expect(fingerprintChain(messages.slice(0, length))).toEqual(chain.slice(0, length));
    }
    expect(new Set(chain).size).toBe(chain.length);
  });

  it("a change in any message changes the chain from that message on, and not before", () => {
    const chain = fingerprintChain(messages);
    const variants: DialogueMessage[] = [user("hello!"), assistant("", ["call_9"]), toolResult("call_1", "other result"), assistant("not done"), user("less")];
    variants.forEach((variant, index) => {
      const changed = [...messages];
      changed[index] = variant;
      const other = fingerprintChain(changed);
      expect(other.slice(0, index)).toEqual(chain.slice(0, index));
      for (let k = index; k < chain.length; k++) expect(other[k]).not.toBe(chain[k]);
    });
  });

  it("depends on order and on the role of a message", () => {
    expect(fingerprintChain([user("a"), user("b")]).at(-1)).not.toBe(fingerprintChain([user("b"), user("a")]).at(-1));
    expect(fingerprintChain([user("same")])[0]).not.toBe(fingerprintChain([assistant("same")])[0]);
  });

  it("messageFingerprint knows an assistant tool call by its ids only", () => {
    expect(messageFingerprint(assistant("text", ["c1", "c2"], '{"a":1}'))).toBe(messageFingerprint(assistant("", ["c1", "c2"], '{ "a": 1 }')));
    expect(messageFingerprint(assistant("", ["c1", "c2"]))).not.toBe(messageFingerprint(assistant("", ["c2", "c1"])));
    expect(messageFingerprint(assistant("", ["c1"]))).not.toBe(messageFingerprint(assistant("")));
  });

  it("a tool result is known by its call id as well as its text", () => {
    expect(messageFingerprint(toolResult("c1", "x"))).not.toBe(messageFingerprint(toolResult("c2", "x")));
  });

  it("hash is deterministic and tells different inputs apart", () => {
    expect(hash("some text")).toBe(hash("some text"));
    expect(hash("some text")).toMatch(/^[\w-]{43}$/);
    expect(hash("some text")).not.toBe(hash("some texu"));
    expect(hash("")).not.toBe(hash(" "));
    const many = new Set(Array.from({ length: 2_000 }, (_, i) => hash(`message ${i}`)));
    expect(many.size).toBe(2_000);
  });
});

describe("fork points (edited and regenerated turns)", () => {
  const transcript = [user("one"), assistant("echo one"), user("two"), assistant("echo two")];
  const seedWithForkPoint = () => {
    const entry = ledger.adopt(P, { id: "s1" });
    ledger.record(entry, transcript, [], [{ index: 2, eventId: "event-two" }]);
    return entry;
  };

  it("finds where an edited last user message branches, and leases the source until it is released", () => {
    const entry = seedWithForkPoint();
    const point = ledger.leaseForkPoint(P, [user("one"), assistant("echo one"), user("two, edited")]);
    expect(point).toMatchObject({ eventId: "event-two", messages: [user("two, edited")] });
    expect(point?.entry).toBe(entry);
    // Leased while it is forked: neither continued nor forked again meanwhile.
    expect(ledger.lease(P, [...transcript, user("three")])).toBeUndefined();
    expect(ledger.leaseForkPoint(P, [user("one"), assistant("echo one"), user("other")])).toBeUndefined();
    ledger.release(entry);
    expect(ledger.lease(P, [...transcript, user("three")])?.entry).toBe(entry);
    expect(closed).toEqual([]);
  });

  it("finds a regenerated turn (the history up to the user message, again)", () => {
    seedWithForkPoint();
    expect(ledger.leaseForkPoint(P, transcript.slice(0, 3))?.eventId).toBe("event-two");
  });

  it("does not branch when the rest is not user messages, the history before it differs, or in another partition", () => {
    seedWithForkPoint();
    expect(ledger.leaseForkPoint(P, [user("one"), assistant("echo one"), toolResult("call_1", "x")])).toBeUndefined();
    expect(ledger.leaseForkPoint(P, [user("one!"), assistant("echo one"), user("two, edited")])).toBeUndefined();
    expect(ledger.leaseForkPoint("partition-b", [user("one"), assistant("echo one"), user("two, edited")])).toBeUndefined();
  });

  it("forgets the fork points of a session that was closed", () => {
    const entry = seedWithForkPoint();
    ledger.lease(P, [...transcript, user("three")]);
    ledger.discard(entry);
    expect(ledger.leaseForkPoint(P, [user("one"), assistant("echo one"), user("two, edited")])).toBeUndefined();
  });

  it("keeps a fork point a newer session took over when the older one is evicted", () => {
    ledger = makeLedger({ maxSessions: 2 });
    seedWithForkPoint();
    clock += 10;
    // The same conversation again, on a session of its own: the fork point is now the newer one's.
    const newer = ledger.adopt(P, { id: "s2" });
    ledger.record(newer, [...transcript, user("three"), assistant("echo three")], [], [{ index: 2, eventId: "event-two-again" }]);
    clock += 10;
    // A third session goes over the cap: the least recently used, the older, is evicted.
    ledger.adopt(P, { id: "s3" });
    expect(closed).toEqual(["s1"]);
    const point = ledger.leaseForkPoint(P, [user("one"), assistant("echo one"), user("two, edited")]);
    expect(point).toMatchObject({ eventId: "event-two-again" });
    expect(point?.entry).toBe(newer);
  });
});

describe("rewinding in place, and recycling", () => {
  const long = [user("one"), assistant("echo one"), user("two"), assistant("echo two"), user("three"), assistant("echo three")];

  it("after a rewind keeps the fork points before the cut, and forgets those at and after it", () => {
    const entry = ledger.adopt(P, { id: "s1" });
    ledger.record(entry, long, [], [{ index: 2, eventId: "event-two" }, { index: 4, eventId: "event-three" }]);
    const point = ledger.leaseForkPoint(P, [...long.slice(0, 2), user("two, edited")]);
    expect(point).toMatchObject({ eventId: "event-two", index: 2 });
    ledger.rewound(entry, point!.index);
    const branch = [...long.slice(0, 2), user("two, edited"), assistant("echo two, edited")];
    ledger.record(entry, branch, [], [{ index: 2, eventId: "event-two-edited" }]);
    // "three" was cut away with the old branch: its event no longer exists in the session.
    expect(ledger.leaseForkPoint(P, [...long.slice(0, 4), user("three, again")])).toBeUndefined();
    expect(ledger.leaseForkPoint(P, [...long.slice(0, 2), user("two, again")])).toMatchObject({ eventId: "event-two-edited", index: 2 });
    expect(closed).toEqual([]);
  });

  it("withdraws an idle session without closing it, and never a leased one", () => {
    const idle = seed("s1", long);
    expect(ledger.withdraw(idle.session)).toBe(true);
    expect(ledger.size).toBe(0);
    expect(ledger.lease(P, [...long, user("four")])).toBeUndefined();
    const leased = ledger.adopt(P, { id: "s2" });
    expect(ledger.withdraw(leased.session)).toBe(false);
    expect(closed).toEqual([]);
  });

  it("lets `evict` have the sessions evicted over the cap or the idle time, and `close` the others", () => {
    const evicted: string[] = [];
    ledger = makeLedger({ maxSessions: 1, idleTtlMs: 1_000, evict: async (session) => void evicted.push(session.id) });
    seed("s1", [user("a"), assistant("a")]);
    clock += 10;
    seed("s2", [user("b"), assistant("b")]);
    expect(evicted).toEqual(["s1"]);
    clock += 5_000;
    ledger.sweep();
    expect(evicted).toEqual(["s1", "s2"]);
    const failed = ledger.adopt(P, { id: "s3" });
    ledger.discard(failed);
    expect(closed).toEqual(["s3"]);
    // A session waiting on tool calls is in the middle of a turn: evicted, it is closed.
    seed("s4", [user("c"), assistant("c", ["call_c"])], pendingFor("call_c"));
    clock += 10;
    seed("s5", [user("d"), assistant("d")]);
    expect(closed).toEqual(["s3", "s4"]);
    expect(evicted).toEqual(["s1", "s2"]);
  });
});

describe("dropping a conversation the client was told failed", () => {
  it("closes an idle entry and a leased one, and it is never found again", () => {
    const transcript = [user("q"), assistant("a")];
    const idle = seed("s1", transcript);
    ledger.drop(idle);
    expect(closed).toEqual(["s1"]);
    expect(ledger.lease(P, [...transcript, user("next")])).toBeUndefined();

    const leased = ledger.adopt(P, { id: "s2" });
    ledger.drop(leased);
    expect(closed).toEqual(["s1", "s2"]);
    expect(ledger.size).toBe(0);
  });
});
