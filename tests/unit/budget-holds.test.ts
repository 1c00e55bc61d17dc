// The decision a budget hold is taken on (access/budget-holds.ts).
import { describe, expect, it } from "vitest";
import { estimatedTokens, holdDecision } from "../../src/access/budget-holds.js";

const held = (tokens: number, count: number) => ({ tokens, nanoAiu: 0, count });
const tokens = (limit: number) => ({ tokens: limit, nanoAiu: null });

describe("holdDecision", () => {
  it("reserves while the spend, the running turns' holds and this one fit", () => {
    expect(holdDecision(tokens(100), { tokens: 10, nanoAiu: 0 }, held(60, 3), { tokens: 30, nanoAiu: 0 })).toEqual({ kind: "reserved" });
  });
  it("waits when it does not fit beside running turns", () => {
    expect(holdDecision(tokens(100), { tokens: 10, nanoAiu: 0 }, held(60, 3), { tokens: 31, nanoAiu: 0 })).toEqual({ kind: "busy" });
  });
  it("runs alone for the last of the budget, however big its estimate", () => {
    expect(holdDecision(tokens(100), { tokens: 99, nanoAiu: 0 }, held(0, 0), { tokens: 4_096, nanoAiu: 0 })).toEqual({ kind: "reserved" });
  });
  it("refuses once the spend alone reaches the budget, even with turns running", () => {
    expect(holdDecision(tokens(100), { tokens: 100, nanoAiu: 0 }, held(20, 1), { tokens: 1, nanoAiu: 0 })).toMatchObject({ kind: "spent" });
  });
  it("holds credits the same way", () => {
    const credits = { tokens: null, nanoAiu: 1_000 };
    expect(holdDecision(credits, { tokens: 5_000_000, nanoAiu: 500 }, { tokens: 0, nanoAiu: 400, count: 1 }, { tokens: 0, nanoAiu: 200 })).toEqual({ kind: "busy" });
    expect(holdDecision(credits, { tokens: 0, nanoAiu: 500 }, { tokens: 0, nanoAiu: 200, count: 1 }, { tokens: 0, nanoAiu: 200 })).toEqual({ kind: "reserved" });
  });
});

describe("estimatedTokens", () => {
  it("is the prompt at about four characters a token plus the output cap, or 4,096 without one", () => {
    const messages = [{ role: "user" as const, content: [{ type: "text" as const, text: "x".repeat(400) }] }];
    expect(estimatedTokens({ messages, tools: [], maxOutputTokens: 50 })).toBe(150);
    expect(estimatedTokens({ messages, tools: [] })).toBe(100 + 4_096);
  });
});
