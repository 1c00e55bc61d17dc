// resolveModel / parseAliases with the ids Claude Code sends and the ids
// Copilot lists (contract B.13 #72: the default Claude Code names are never a
// 404 while a Claude model is available).
import { describe, expect, it } from "vitest";
import { normalizeModelId, parseAliases, resolveModel } from "../../src/core/model-aliases.js";

/** A Copilot model list as `GET /models` shows it. */
const COPILOT = ["gpt-4.1", "gpt-5", "gpt-5-mini", "claude-sonnet-4", "claude-sonnet-4.5", "claude-opus-4.1", "claude-haiku-4.5", "claude-3.7-sonnet", "claude-3.7-sonnet-thought", "gemini-2.5-pro"];
const NO_ALIASES = new Map<string, string>();

describe("normalizeModelId", () => {
  it.each([
    ["claude-sonnet-4-5-20250929", "claude-sonnet-4.5"],
    ["claude-opus-4-1-20250805", "claude-opus-4.1"],
    ["claude-3-5-haiku-20241022", "claude-3.5-haiku"],
    ["claude-3-7-sonnet-latest", "claude-3.7-sonnet"],
    ["claude-haiku-4-5", "claude-haiku-4.5"],
    ["claude-sonnet-4-20250514", "claude-sonnet-4"],
    ["claude-sonnet-4-5@20250929", "claude-sonnet-4.5"],
    ["Claude-Sonnet-4.5", "claude-sonnet-4.5"],
    ["gpt-4.1", "gpt-4.1"],
  ])("%s → %s", (id, normalized) => {
    expect(normalizeModelId(id)).toBe(normalized);
  });
});

describe("resolveModel: exact and normalised names", () => {
  it("returns an available id unchanged, before any alias", () => {
    expect(resolveModel("gpt-5", COPILOT, new Map([["gpt-5", "gpt-4.1"]]))).toBe("gpt-5");
    expect(resolveModel("claude-sonnet-4.5", COPILOT, NO_ALIASES)).toBe("claude-sonnet-4.5");
  });

  it.each([
    ["claude-sonnet-4-5-20250929", "claude-sonnet-4.5"],
    ["claude-sonnet-4-5", "claude-sonnet-4.5"],
    ["claude-opus-4-1-20250805", "claude-opus-4.1"],
    ["claude-haiku-4-5", "claude-haiku-4.5"],
    ["claude-haiku-4-5-20251001", "claude-haiku-4.5"],
    ["claude-sonnet-4-20250514", "claude-sonnet-4"],
    ["claude-3-7-sonnet-20250219", "claude-3.7-sonnet"],
    ["claude-3-7-sonnet-latest", "claude-3.7-sonnet"],
    ["CLAUDE-SONNET-4.5", "claude-sonnet-4.5"],
  ])("maps Claude Code's %s to Copilot's %s", (requested, served) => {
    expect(resolveModel(requested, COPILOT, NO_ALIASES)).toBe(served);
  });

  it("matches the same family and version in the other word order, plain before suffixed", () => {
    expect(resolveModel("claude-3-5-haiku-20241022", ["claude-haiku-3.5", "claude-haiku-4.5"], NO_ALIASES)).toBe("claude-haiku-3.5");
    expect(resolveModel("claude-sonnet-3-7", ["claude-3.7-sonnet-thought", "claude-3.7-sonnet"], NO_ALIASES)).toBe("claude-3.7-sonnet");
  });

  it("reads Copilot's two-digit `claude-opus-41` as Opus 4.1, not version 41", () => {
    const list = ["claude-opus-41", "claude-opus-4.5", "claude-sonnet-4.5"];
    expect(resolveModel("claude-opus-4-1-20250805", list, NO_ALIASES)).toBe("claude-opus-41");
    expect(resolveModel("claude-opus-4-7", list, NO_ALIASES)).toBe("claude-opus-4.5");
  });

  it("leaves non-Claude names to exact and normalised matches: a typo stays undefined (a 404)", () => {
    expect(resolveModel("GPT-4.1", COPILOT, NO_ALIASES)).toBe("gpt-4.1");
    expect(resolveModel("gpt-4-1", COPILOT, NO_ALIASES)).toBe("gpt-4.1");
    expect(resolveModel("gpt-6", COPILOT, NO_ALIASES)).toBeUndefined();
    expect(resolveModel("o3", COPILOT, NO_ALIASES)).toBeUndefined();
  });
});

describe("resolveModel: the family fallback for claude-* names", () => {
  it("maps a Claude Code default Copilot does not list to the highest version of its family", () => {
    // Claude 3.5 Haiku (Claude Code's old small/fast default) is not on Copilot: the best Haiku runs instead.
    expect(resolveModel("claude-3-5-haiku-20241022", COPILOT, NO_ALIASES)).toBe("claude-haiku-4.5");
    expect(resolveModel("claude-opus-4-5-20251101", COPILOT, NO_ALIASES)).toBe("claude-opus-4.1");
    expect(resolveModel("claude-sonnet-4-6", COPILOT, NO_ALIASES)).toBe("claude-sonnet-4.5");
    expect(resolveModel("claude-sonnet-5", COPILOT, NO_ALIASES)).toBe("claude-sonnet-4.5");
  });

  it("prefers the plain model over a suffixed variant at the same version", () => {
    expect(resolveModel("claude-3-7-sonnet-20990101-x", ["claude-3.7-sonnet-thought", "claude-3.7-sonnet"], NO_ALIASES)).toBe("claude-3.7-sonnet");
  });

  it("falls back to the best Sonnet, then Opus, then Haiku, when the family is missing or unknown", () => {
    expect(resolveModel("claude-opus-4-1", ["claude-sonnet-4", "claude-haiku-4.5", "gpt-5"], NO_ALIASES)).toBe("claude-sonnet-4");
    expect(resolveModel("claude-mythos-preview", COPILOT, NO_ALIASES)).toBe("claude-sonnet-4.5");
    expect(resolveModel("claude-sonnet-4-5", ["claude-opus-4.1", "claude-haiku-4.5"], NO_ALIASES)).toBe("claude-opus-4.1");
    expect(resolveModel("claude-sonnet-4-5", ["claude-haiku-4.5", "gpt-5"], NO_ALIASES)).toBe("claude-haiku-4.5");
  });

  it("maps the bare family names Claude Code users type (opus, sonnet, haiku)", () => {
    expect(resolveModel("opus", COPILOT, NO_ALIASES)).toBe("claude-opus-4.1");
    expect(resolveModel("Sonnet", COPILOT, NO_ALIASES)).toBe("claude-sonnet-4.5");
    expect(resolveModel("haiku", COPILOT, NO_ALIASES)).toBe("claude-haiku-4.5");
  });

  it("is undefined when no Claude model is available", () => {
    expect(resolveModel("claude-sonnet-4-5-20250929", ["gpt-4.1", "gpt-5"], NO_ALIASES)).toBeUndefined();
    expect(resolveModel("claude-sonnet-4-5", [], NO_ALIASES)).toBeUndefined();
  });
});

describe("resolveModel: configured aliases", () => {
  it("applies an alias before the default rules, by the name as sent or in its normalised form", () => {
    const aliases = parseAliases("claude-3-5-haiku=gpt-5-mini, claude-opus-4-1-20250805=gpt-5");
    expect(resolveModel("claude-3-5-haiku-20241022", COPILOT, aliases)).toBe("gpt-5-mini");
    expect(resolveModel("claude-opus-4-1-20250805", COPILOT, aliases)).toBe("gpt-5");
    expect(resolveModel("Claude-Opus-4-1-20250805", COPILOT, aliases)).toBe("gpt-5");
  });

  it("resolves an alias target by the same rules, so it may name a family or a dashed id", () => {
    expect(resolveModel("fast", COPILOT, parseAliases("fast=haiku"))).toBe("claude-haiku-4.5");
    expect(resolveModel("big", COPILOT, parseAliases("big=claude-opus-4-1"))).toBe("claude-opus-4.1");
    expect(resolveModel("cheap", COPILOT, parseAliases("cheap=GPT-4.1"))).toBe("gpt-4.1");
  });

  it("falls through to the default rules when an alias's target is not available", () => {
    const aliases = parseAliases("claude-sonnet-4-5=gpt-9");
    expect(resolveModel("claude-sonnet-4-5-20250929", COPILOT, aliases)).toBe("claude-sonnet-4.5");
    expect(resolveModel("mine", COPILOT, parseAliases("mine=gpt-9"))).toBeUndefined();
  });

  it("compares keys of a hand-built map case-insensitively", () => {
    expect(resolveModel("my-model", COPILOT, new Map([["My-Model", "gpt-5"]]))).toBe("gpt-5");
  });
});

describe("parseAliases", () => {
  it("reads from=to pairs separated by commas, semicolons or newlines, trimming and lower-casing keys", () => {
    expect(parseAliases(" Claude-Sonnet-4-5 = claude-sonnet-4.5 ,opus=claude-opus-4.1;\nhaiku=claude-haiku-4.5,,")).toEqual(
      new Map([
        ["claude-sonnet-4-5", "claude-sonnet-4.5"],
        ["opus", "claude-opus-4.1"],
        ["haiku", "claude-haiku-4.5"],
      ]),
    );
    expect(parseAliases("")).toEqual(new Map());
  });

  it("lets a later pair for the same key win", () => {
    expect(parseAliases("a=b,A=c").get("a")).toBe("c");
  });

  it.each(["claude", "=gpt-5", "claude=", "a=b=c"])("throws on the malformed entry %j, naming it", (entry) => {
    expect(() => parseAliases(`ok=gpt-5,${entry}`)).toThrow(JSON.stringify(entry));
  });
});
