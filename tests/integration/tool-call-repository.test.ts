// The tool-call audit's table: records written and read back as they were,
// the filters (time, caller, server), newest first and the limit, sharing
// between two connections (two processes), and the retention sweep. On SQLite
// always; on PostgreSQL when TEST_DATABASE_URL is set.
import { describe, expect, it } from "vitest";
import { DEFAULT_TOOL_CALL_RETENTION_MS, ToolCallRepository } from "../../src/storage/tool-call-repository.js";
import { DATABASE_KINDS, databasesDisposedAfterEach } from "../support/databases.js";
import { TOOL_CALL_T0, toolCall } from "../support/tool-calls.js";

const T0 = TOOL_CALL_T0;

const { fresh, open } = databasesDisposedAfterEach();

describe.each(DATABASE_KINDS)("ToolCallRepository on %s", (kind) => {
  it("gives a record back as it was written, arguments included when kept", async () => {
    const store = new ToolCallRepository((await open(await fresh(kind))).db);
    const kept = toolCall({ arguments: '{"query":"outage ✓"}', outcome: "error", keyId: null, caller: "octocat" });
    await store.record(kept);
    await store.record(toolCall({ at: T0 + 1, durationMs: 7.6, argumentsBytes: 2_000_000 }));
    const listed = await store.list({});
    expect(listed).toEqual([toolCall({ at: T0 + 1, durationMs: 8, argumentsBytes: 2_000_000 }), kept]);
  });

  it("filters on time (from inclusive, to exclusive), caller and server, newest first, at most limit", async () => {
    const store = new ToolCallRepository((await open(await fresh(kind))).db);
    const calls = [
      toolCall({ at: T0, caller: "key_mona", server: "tickets" }),
      toolCall({ at: T0 + 1_000, caller: "key_mona", server: "wiki" }),
      toolCall({ at: T0 + 2_000, caller: "octocat", server: "tickets" }),
      toolCall({ at: T0 + 3_000, caller: "octocat", server: "wiki" }),
    ];
    for (const call of calls) await store.record(call);
    const ats = async (filter: Parameters<ToolCallRepository["list"]>[0]) => (await store.list(filter)).map((call) => call.at - T0);
    expect(await ats({})).toEqual([3_000, 2_000, 1_000, 0]);
    expect(await ats({ from: T0 + 1_000, to: T0 + 3_000 })).toEqual([2_000, 1_000]);
    expect(await ats({ caller: "key_mona" })).toEqual([1_000, 0]);
    expect(await ats({ server: "tickets" })).toEqual([2_000, 0]);
    expect(await ats({ caller: "octocat", server: "wiki" })).toEqual([3_000]);
    expect(await ats({ limit: 2 })).toEqual([3_000, 2_000]);
    expect(await ats({ caller: "nobody" })).toEqual([]);
  });

  it("shows one process the calls another wrote", async () => {
    const target = await fresh(kind);
    const writer = new ToolCallRepository((await open(target)).db);
    const reader = new ToolCallRepository((await open(target)).db);
    await writer.record(toolCall({ requestId: "req_from_elsewhere" }));
    expect((await reader.list({})).map((call) => call.requestId)).toEqual(["req_from_elsewhere"]);
  });

  it("sweeps records older than the retention, 90 days unless told otherwise", async () => {
    const database = await open(await fresh(kind));
    let now = T0;
    const store = new ToolCallRepository(database.db, { now: () => now });
    await store.record(toolCall({ at: T0 - DEFAULT_TOOL_CALL_RETENTION_MS - 1, requestId: "old" }));
    await store.record(toolCall({ at: T0 - DEFAULT_TOOL_CALL_RETENTION_MS + 1, requestId: "recent" }));
    await store.sweep();
    expect((await store.list({})).map((call) => call.requestId)).toEqual(["recent"]);

    const short = new ToolCallRepository(database.db, { retentionMs: 60_000, now: () => now });
    now = T0 + 60_000;
    await short.record(toolCall({ at: T0 + 30_000, requestId: "fresh" }));
    await short.sweep();
    expect((await short.list({})).map((call) => call.requestId)).toEqual(["fresh"]);
  });
});
