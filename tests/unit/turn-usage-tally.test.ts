// The usage tally on the runtime's recorded usage reports: one per model call,
// summed over a turn; an estimate when there is none; and the cut-short
// reasons the reports carry.
import { describe, expect, it } from "vitest";
import { UsageTally } from "../../src/turns/usage-tally.js";
import { eventsOf, recordedTurn, type RecordedTurnName } from "../fixtures/recorded-turns.js";

function tallyOf(name: RecordedTurnName): UsageTally {
  const tally = new UsageTally();
  for (const event of eventsOf(recordedTurn(name), "assistant.usage")) tally.add(event.data);
  return tally;
}

describe("UsageTally", () => {
  it("passes on one model call's usage, with the cache and reasoning details", () => {
    expect(tallyOf("plain-text").total(100, 100)).toEqual({
      promptTokens: 11,
      completionTokens: 7,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      cost: 0,
    });
    expect(tallyOf("reasoning").total(100, 100)).toMatchObject({ promptTokens: 40, completionTokens: 12, cachedTokens: 32, reasoningTokens: 5 });
  });

  it("sums the model calls of a turn (the runtime's own 'Please continue' call included)", () => {
    const turn = recordedTurn("finish-length");
    expect(eventsOf(turn, "assistant.usage")).toHaveLength(2);
    expect(tallyOf("finish-length").total(0, 0)).toMatchObject({ promptTokens: 10 + 25, completionTokens: 3 + 4 });
  });

  it("estimates from characters, about four a token, when the runtime reported no usage", () => {
    expect(eventsOf(recordedTurn("aborted-mid-answer"), "assistant.usage")).toHaveLength(0);
    expect(tallyOf("aborted-mid-answer").total(41, 9)).toEqual({ promptTokens: 11, completionTokens: 3, estimated: true });
  });

  it("adds up the Copilot AI units a GitHub-mode runtime reports (BYOK reports none)", () => {
    const [report] = eventsOf(recordedTurn("plain-text"), "assistant.usage");
    expect(report!.data.copilotUsage).toBeUndefined();
    const tally = new UsageTally();
    tally.add({ ...report!.data, cost: 1, copilotUsage: { totalNanoAiu: 300 } });
    tally.add({ ...report!.data, cost: 0.5, copilotUsage: { totalNanoAiu: 200 } });
    expect(tally.total(0, 0)).toMatchObject({ cost: 1.5, nanoAiu: 500, promptTokens: 22 });
  });

  it("tells when the model cut a call short: for length, or by its content filter", () => {
    expect(tallyOf("finish-length").cutShort).toBe("length");
    expect(tallyOf("content-filter").cutShort).toBe("content_filter");
    expect(tallyOf("plain-text").cutShort).toBeUndefined();
    expect(tallyOf("one-tool-call").cutShort).toBeUndefined();
  });
});
