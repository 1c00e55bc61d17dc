// The output limits on the text deltas of recorded answers: stop sequences
// (split across deltas, held back, flushed), the output budget, and how the
// two meet.
import { describe, expect, it } from "vitest";
import { OutputLimits, type OutputLimitSettings, type ShownText } from "../../src/turns/output-limits.js";
import { eventsOf, recordedTurn, type RecordedTurnName } from "../fixtures/recorded-turns.js";

/** The answer's text deltas as the runtime sent them. */
function textDeltas(name: RecordedTurnName): string[] {
  return eventsOf(recordedTurn(name), "assistant.message_delta").map((event) => event.data.deltaContent);
}

/** Feeds deltas until one ends the answer; returns what each let through. */
function feed(limits: OutputLimits, deltas: readonly string[]): ShownText[] {
  const shown: ShownText[] = [];
  for (const delta of deltas) {
    const result = limits.text(delta);
    shown.push(result);
    if (result.end) break;
  }
  return shown;
}

const limitsOf = (settings: Partial<OutputLimitSettings>) => new OutputLimits({ stop: [], ...settings });

describe("OutputLimits", () => {
  it("lets every delta through untouched when the client set no limit", () => {
    const deltas = textDeltas("plain-text");
    expect(deltas).toEqual(["Hello", ", wor", "ld!"]);
    const limits = limitsOf({});
    expect(feed(limits, deltas)).toEqual(deltas.map((text) => ({ text })));
    expect(limits.flush()).toEqual({ text: "", exhausted: false });
    expect(limits.shownText).toBe("Hello, world!");
    expect(limits.outputChars).toBe(13);
  });

  it("ends the answer before a stop sequence split across deltas, never showing any of it", () => {
    const limits = limitsOf({ stop: ["o, w"] });
    // "Hello" could be the start of "o, w": its "o" is held back until the next delta decides.
    expect(feed(limits, textDeltas("plain-text"))).toEqual([{ text: "Hell" }, { text: "", end: "stop" }]);
    expect(limits.shownText).toBe("Hell");
    expect(limits.flush()).toEqual({ text: "", exhausted: false });
  });

  it("stops at the earliest of several stop sequences", () => {
    const limits = limitsOf({ stop: ["world", "lo,"] });
    expect(feed(limits, textDeltas("plain-text"))).toEqual([{ text: "Hel" }, { text: "", end: "stop" }]);
  });

  it("owes the client the text held back for a stop sequence that never came", () => {
    const limits = limitsOf({ stop: ["!?"] });
    expect(feed(limits, textDeltas("plain-text"))).toEqual([{ text: "Hello" }, { text: ", wor" }, { text: "ld" }]);
    expect(limits.flush()).toEqual({ text: "!", exhausted: false });
    expect(limits.shownText).toBe("Hello, world!");
  });

  it("cuts the text at the budget, about four characters a token, and ends the answer for length", () => {
    const limits = limitsOf({ maxOutputTokens: 2 });
    expect(feed(limits, textDeltas("plain-text"))).toEqual([{ text: "Hello" }, { text: ", w", end: "length" }]);
    expect(limits.outputChars).toBe(8);
    // Nothing was held back, so nothing more is owed.
    expect(limits.flush()).toEqual({ text: "", exhausted: false });
  });

  it("ends for length, not stop, when the budget runs out in the delta that reaches a stop sequence", () => {
    const limits = limitsOf({ maxOutputTokens: 1, stop: ["world"] });
    expect(feed(limits, textDeltas("plain-text"))).toEqual([{ text: "Hell", end: "length" }]);
  });

  it("keeps held-back text within the budget when it is flushed", () => {
    // Budget 4 characters: "Hel" is shown, "lo" waits on "lo!"; flushing it runs out of room.
    const limits = limitsOf({ maxOutputTokens: 1, stop: ["lo!"] });
    expect(limits.text("Hello")).toEqual({ text: "Hel" });
    expect(limits.flush()).toEqual({ text: "l", exhausted: true });
    expect(limits.shownText).toBe("Hell");
  });

  it("counts tool-call arguments against the budget, so less text fits after them", () => {
    const argumentDeltas = eventsOf(recordedTurn("one-tool-call"), "assistant.tool_call_delta").map((event) => event.data.inputDelta);
    expect(argumentDeltas.join("")).toBe('{"city":"Paris"}');
    const limits = limitsOf({ maxOutputTokens: 5 });
    for (const delta of argumentDeltas) limits.countToolArguments(delta.length);
    expect(limits.outputChars).toBe(16);
    expect(limits.text("Hello")).toEqual({ text: "Hell", end: "length" });
  });

  it("treats a budget overrun by tool arguments alone as exhausted at the end", () => {
    const limits = limitsOf({ maxOutputTokens: 1 });
    limits.countToolArguments('{"city":"Paris"}'.length);
    expect(limits.flush()).toEqual({ text: "", exhausted: true });
  });
});
