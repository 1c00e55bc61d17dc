import { describe, expect, it } from "vitest";
import type { ConversationMessage } from "../../src/turns/events.js";
import type { OutputItem, ResponseObject } from "../../src/dialects/responses/response-object.js";
import { ResponseStore, type StoredResponse } from "../../src/dialects/responses/store.js";

function stored(id: string, caller = "alice", output: OutputItem[] = []): StoredResponse {
  const conversation: ConversationMessage[] = [
    { role: "user", content: [{ type: "text", text: `question ${id}` }] },
    { role: "assistant", text: `answer ${id}`, toolCalls: [] },
  ];
  return { caller, conversation, response: { id, object: "response", output } as unknown as ResponseObject };
}

const message = (id: string): OutputItem => ({ id, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: id, annotations: [], logprobs: [] }] });

describe("ResponseStore", () => {
  it("returns a response's conversation to the caller that stored it", () => {
    const store = new ResponseStore();
    store.put("resp_1", stored("resp_1"));
    expect(store.get("resp_1", "alice")?.conversation.at(-1)).toEqual({ role: "assistant", text: "answer resp_1", toolCalls: [] });
    expect(store.get("resp_unknown", "alice")).toBeUndefined();
  });

  it("keeps callers apart: another caller's id looks unknown", () => {
    const store = new ResponseStore();
    store.put("resp_1", stored("resp_1", "alice", [message("msg_1")]));
    expect(store.get("resp_1", "bob")).toBeUndefined();
    expect(store.item("msg_1", "bob")).toBeUndefined();
    expect(store.get("resp_1", "alice")).toBeDefined();
    expect(store.item("msg_1", "alice")).toEqual(message("msg_1"));
  });

  it("evicts the least recently used entry beyond its bound, items included", () => {
    const store = new ResponseStore({ maxEntries: 2 });
    store.put("resp_1", stored("resp_1", "alice", [message("msg_1")]));
    store.put("resp_2", stored("resp_2"));
    // Using resp_1 makes resp_2 the least recently used.
    expect(store.get("resp_1", "alice")).toBeDefined();
    store.put("resp_3", stored("resp_3"));
    expect(store.size).toBe(2);
    expect(store.get("resp_2", "alice")).toBeUndefined();
    expect(store.get("resp_1", "alice")).toBeDefined();
    store.put("resp_4", stored("resp_4"));
    store.put("resp_5", stored("resp_5"));
    expect(store.get("resp_1", "alice")).toBeUndefined();
    expect(store.item("msg_1", "alice")).toBeUndefined();
  });

  it("expires entries unused for longer than the TTL; a use keeps one alive", () => {
    let now = 0;
    const store = new ResponseStore({ ttlMs: 1_000, now: () => now });
    store.put("resp_1", stored("resp_1", "alice", [message("msg_1")]));
    store.put("resp_2", stored("resp_2"));
    now = 900;
    expect(store.get("resp_1", "alice")).toBeDefined();
    now = 1_500;
    expect(store.get("resp_2", "alice")).toBeUndefined();
    expect(store.item("msg_1", "alice")).toBeDefined();
    now = 2_500;
    expect(store.get("resp_1", "alice")).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it("replacing an id drops the old entry's items", () => {
    const store = new ResponseStore();
    store.put("resp_1", stored("resp_1", "alice", [message("msg_old")]));
    store.put("resp_1", stored("resp_1", "alice", [message("msg_new")]));
    expect(store.size).toBe(1);
    expect(store.item("msg_old", "alice")).toBeUndefined();
    expect(store.item("msg_new", "alice")).toBeDefined();
  });
});
