// The history builder: a client's dialogue → the session events a seeded
// session loads. What the runtime would alter silently (calls without
// results, results without calls) is decided here, and tested.
import { describe, expect, it } from "vitest";
import { historyEvents, MISSING_RESULT, SEEDED_EVENTS_VERSION, UnseedableHistory } from "../../src/sessions/history-events.js";
import type { DialogueMessage } from "../../src/sessions/ledger.js";

const NOW = new Date("2026-11-28T10:00:00.000Z");

function build(history: DialogueMessage[]) {
  let next = 0;
  return historyEvents(history, { sessionId: "sess-1", cwd: "/scratch/s-1", now: NOW, newId: () => `id-${next++}` });
}

const user = (text: string): DialogueMessage => ({ role: "user", content: [{ type: "text", text }] });
const assistant = (text: string, calls: Array<[string, string, string]> = [], reasoning?: string): DialogueMessage => ({
  role: "assistant",
  text,
  toolCalls: calls.map(([id, name, args]) => ({ id, name, arguments: args })),
  ...(reasoning ? { reasoning } : {}),
});
const tool = (toolCallId: string, text: string, isError?: boolean): DialogueMessage => ({ role: "tool", toolCallId, text, ...(isError ? { isError } : {}) });

describe("historyEvents", () => {
  it("starts with session.start for the session's id and working directory, and chains every event to the one before", () => {
    const { events } = build([user("hi"), assistant("hello")]);
    expect(events[0]).toEqual({
      type: "session.start",
      id: "id-0",
      parentId: null,
      timestamp: NOW.toISOString(),
      data: { sessionId: "sess-1", version: SEEDED_EVENTS_VERSION, producer: "copilot-agent", copilotVersion: "0.0.0", startTime: NOW.toISOString(), context: { cwd: "/scratch/s-1" } },
    });
    expect(events.map((event) => event.type)).toEqual(["session.start", "user.message", "assistant.message"]);
    for (let i = 1; i < events.length; i++) expect(events[i]!.parentId).toBe(events[i - 1]!.id);
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
  });

  it("writes user text as content and images as blob attachments, and no system message (the session config carries it)", () => {
    const { events } = build([
      {
        role: "user",
        content: [
          { type: "text", text: "what is this?" },
          { type: "image", mimeType: "image/png", data: "iVBORw0KGgo=" },
          { type: "text", text: "be brief" },
        ],
      },
    ]);
    expect(events[1]).toMatchObject({
      type: "user.message",
      data: { content: "what is this?\nbe brief", transformedContent: "what is this?\nbe brief", attachments: [{ type: "blob", data: "iVBORw0KGgo=", mimeType: "image/png" }] },
    });
    expect(events.some((event) => (event.type as string) === "system.message")).toBe(false);
  });

  it("writes parallel calls with the client's argument strings verbatim, reasoning, and each result after its call", () => {
    const { events } = build([
      user("two things"),
      assistant("on it", [
        ["call_a", "read", '{"path":"a.txt"}'],
        ["call_b", "run", '{"cmd": "ls"'],
      ], "plan first"),
      tool("call_b", "no such command", true),
      tool("call_a", "contents"),
    ]);
    expect(events[2]).toMatchObject({
      type: "assistant.message",
      data: {
        content: "on it",
        reasoningText: "plan first",
        toolRequests: [
          { toolCallId: "call_a", name: "read", arguments: '{"path":"a.txt"}', type: "function" },
          { toolCallId: "call_b", name: "run", arguments: '{"cmd": "ls"', type: "function" },
        ],
      },
    });
    expect(events.slice(3).map((event) => event.data)).toEqual([
      { toolCallId: "call_b", success: false, error: { message: "[tool error] no such command" } },
      { toolCallId: "call_a", success: true, result: { content: "contents" } },
    ]);
  });

  it("gives a call the client sent no result for an explicit failure, before the next message (not the runtime's 'interrupted')", () => {
    const { events } = build([user("go"), assistant("", [["call_a", "f", "{}"], ["call_b", "g", "{}"]]), tool("call_a", "A"), user("never mind")]);
    expect(events.map((event) => event.type)).toEqual(["session.start", "user.message", "assistant.message", "tool.execution_complete", "tool.execution_complete", "user.message"]);
    expect(events[4]!.data).toEqual({ toolCallId: "call_b", success: false, error: { message: MISSING_RESULT } });
  });

  it("closes calls still open at the end of the history too", () => {
    const { events } = build([user("go"), assistant("", [["call_a", "f", "{}"]])]);
    expect(events.at(-1)).toMatchObject({ type: "tool.execution_complete", data: { toolCallId: "call_a", success: false } });
  });

  it("turns a result for no call (which the runtime would drop) into a note after the open calls are closed", () => {
    const { events } = build([user("go"), assistant("", [["call_a", "f", "{}"]]), tool("call_zzz", "stray"), tool("call_a", "A"), assistant("done")]);
    expect(events.map((event) => event.type)).toEqual(["session.start", "user.message", "assistant.message", "tool.execution_complete", "user.message", "assistant.message"]);
    expect(events[3]!.data).toMatchObject({ toolCallId: "call_a", success: true });
    expect((events[4]!.data as { content: string }).content).toMatch(/^\[Result of tool call call_zzz, which no earlier assistant message made\]\nstray$/);
  });

  it("refuses a history that uses one call id twice (results could not be told apart)", () => {
    expect(() => build([user("a"), assistant("", [["call_a", "f", "{}"]]), tool("call_a", "1"), assistant("", [["call_a", "f", "{}"]]), tool("call_a", "2")])).toThrow(UnseedableHistory);
  });

  it("tells where each user message of the dialogue stands, for the ledger's fork points", () => {
    const { events, userMessageEvents } = build([user("one"), assistant("1"), user("two"), assistant("2")]);
    expect([...userMessageEvents]).toEqual([
      [0, events[1]!.id],
      [2, events[3]!.id],
    ]);
  });
});
