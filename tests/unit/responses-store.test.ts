// The ResponseStore contract, on every implementation: in memory (an app
// without a database), and the database repository on SQLite and, when
// TEST_DATABASE_URL is set, PostgreSQL.
import { afterEach, describe, expect, it } from "vitest";
import type { ConversationMessage } from "../../src/core/turn.js";
import type { OutputItem, ResponseObject } from "../../src/dialects/responses/response-object.js";
import { MemoryResponseStore, type ResponseStoreOptions, type StoredResponse } from "../../src/dialects/responses/response-store.js";
import { openDatabase } from "../../src/storage/database.js";
import { ResponseRepository } from "../../src/storage/response-repository.js";
import { createTestDatabase, DATABASE_KINDS } from "../support/databases.js";

function stored(id: string, caller = "alice", output: OutputItem[] = []): StoredResponse {
  const conversation: ConversationMessage[] = [
    { role: "user", content: [{ type: "text", text: `question ${id}` }] },
    { role: "assistant", text: `answer ${id}`, toolCalls: [] },
  ];
  return { caller, conversation, response: { id, object: "response", output } as unknown as ResponseObject };
}

const message = (id: string): OutputItem => ({ id, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: id, annotations: [], logprobs: [] }] });

interface Subject {
  put(id: string, stored: StoredResponse): Promise<void>;
  get(id: string, caller: string): Promise<StoredResponse | undefined>;
  item(itemId: string, caller: string): Promise<OutputItem | undefined>;
  size(): Promise<number>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const BACKENDS: Array<[name: string, make: (options?: ResponseStoreOptions) => Promise<Subject>]> = [
  [
    "memory",
    (options) => {
      const store = new MemoryResponseStore(options);
      return Promise.resolve({ put: (id, s) => store.put(id, s), get: (id, c) => store.get(id, c), item: (id, c) => store.item(id, c), size: () => Promise.resolve(store.size) });
    },
  ],
  ...DATABASE_KINDS.map((kind): [string, (options?: ResponseStoreOptions) => Promise<Subject>] => [
    kind,
    async (options) => {
      const target = await createTestDatabase(kind);
      const database = await openDatabase(target.options);
      cleanups.push(target.dispose, database.close);
      return new ResponseRepository(database.db, options);
    },
  ]),
];

describe.each(BACKENDS)("ResponseStore (%s)", (_name, make) => {
  it("returns a response's conversation to the caller that stored it", async () => {
    const store = await make();
    await store.put("resp_1", stored("resp_1"));
    expect((await store.get("resp_1", "alice"))?.conversation.at(-1)).toEqual({ role: "assistant", text: "answer resp_1", toolCalls: [] });
    expect((await store.get("resp_1", "alice"))?.response).toEqual(stored("resp_1").response);
    expect(await store.get("resp_unknown", "alice")).toBeUndefined();
  });

  it("keeps callers apart: another caller's id looks unknown", async () => {
    const store = await make();
    await store.put("resp_1", stored("resp_1", "alice", [message("msg_1")]));
    expect(await store.get("resp_1", "bob")).toBeUndefined();
    expect(await store.item("msg_1", "bob")).toBeUndefined();
    expect(await store.get("resp_1", "alice")).toBeDefined();
    expect(await store.item("msg_1", "alice")).toEqual(message("msg_1"));
  });

  it("evicts the least recently used entry beyond its bound, items included", async () => {
    let now = 0;
    // Distinct times, so "least recently used" is never a tie in a database.
    const store = await make({ maxEntries: 2, now: () => ++now });
    await store.put("resp_1", stored("resp_1", "alice", [message("msg_1")]));
    await store.put("resp_2", stored("resp_2"));
    // Using resp_1 makes resp_2 the least recently used.
    expect(await store.get("resp_1", "alice")).toBeDefined();
    await store.put("resp_3", stored("resp_3"));
    expect(await store.size()).toBe(2);
    expect(await store.get("resp_2", "alice")).toBeUndefined();
    expect(await store.get("resp_1", "alice")).toBeDefined();
    await store.put("resp_4", stored("resp_4"));
    await store.put("resp_5", stored("resp_5"));
    expect(await store.get("resp_1", "alice")).toBeUndefined();
    expect(await store.item("msg_1", "alice")).toBeUndefined();
  });

  it("expires entries unused for longer than the TTL; a use keeps one alive", async () => {
    let now = 0;
    const store = await make({ ttlMs: 1_000, now: () => now });
    await store.put("resp_1", stored("resp_1", "alice", [message("msg_1")]));
    await store.put("resp_2", stored("resp_2"));
    now = 900;
    expect(await store.get("resp_1", "alice")).toBeDefined();
    now = 1_500;
    expect(await store.get("resp_2", "alice")).toBeUndefined();
    expect(await store.item("msg_1", "alice")).toBeDefined();
    now = 2_500;
    expect(await store.get("resp_1", "alice")).toBeUndefined();
    expect(await store.size()).toBe(0);
  });

  it("replacing an id drops the old entry's items", async () => {
    const store = await make();
    await store.put("resp_1", stored("resp_1", "alice", [message("msg_old")]));
    await store.put("resp_1", stored("resp_1", "alice", [message("msg_new")]));
    expect(await store.size()).toBe(1);
    expect(await store.item("msg_old", "alice")).toBeUndefined();
    expect(await store.item("msg_new", "alice")).toBeDefined();
  });
});
