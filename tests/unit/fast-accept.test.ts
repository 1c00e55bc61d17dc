// The compiled validators that accept a valid body before zod would
// (src/dialects/shared/fast-accept.ts) must never let through what zod
// refuses, nor refuse what zod accepts: on the route fuzzer's bodies and
// hostile values, both say the same, and an accepted body is what zod would
// have returned. A schema whose parse JSON Schema cannot see is refused.
//
// One difference is by design: an own "__proto__" key (JSON.parse makes it a
// plain data key, never a prototype) is dropped by zod's object parse and kept
// by the fast path, as zod itself keeps it inside free-form values such as a
// tool's parameters. The gateway reads named fields and never merges request
// objects, so the key is compared away.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { messagesRequestSchema } from "../../src/dialects/anthropic/schema.js";
import { chatRequestSchema } from "../../src/dialects/openai-chat/schema.js";
import { fastSafeParse } from "../../src/dialects/shared/fast-accept.js";
import { DEFAULT_LIMITS } from "../../src/core/request-limits.js";
import { checkJsonBody } from "../../src/dialects/shared/request-guard.js";
import { bodyWith, hostile, ROUTES } from "../support/hostile-bodies.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_128);
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

function passesGuard(body: unknown): boolean {
  try {
    checkJsonBody(body, DEFAULT_LIMITS);
    return true;
  } catch {
    return false;
  }
}

function withoutOwnProto(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutOwnProto);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== "__proto__").map(([key, item]) => [key, withoutOwnProto(item)]));
}

const SCHEMAS: Record<string, z.ZodType> = { "/v1/chat/completions": chatRequestSchema, "/v1/messages": messagesRequestSchema };

describe.each(Object.entries(SCHEMAS))("fast validation of %s", (path, schema) => {
  const route = ROUTES.find((candidate) => candidate.path === path)!;
  const fast = fastSafeParse(schema);
  const agree = (body: unknown) => {
    // As in the parsers: a body nested deeper than the limit is refused before any schema sees it.
    if (!passesGuard(body)) return;
    const slow = schema.safeParse(body);
    const quick = fast(body);
    expect(quick.success, JSON.stringify(slow.error?.issues[0] ?? null)).toBe(slow.success);
    if (slow.success && quick.success) expect(withoutOwnProto(quick.data)).toEqual(withoutOwnProto(slow.data));
  };

  it("accepts the route's own body, as zod does", () => {
    expect(fast(route.base()).success).toBe(true);
    agree(route.base());
  });

  it("answers as zod does with a hostile value in any field", () => {
    fc.assert(
      fc.property(fc.constantFrom(...route.fields), hostile(route.dialect), (field, raw) => agree(JSON.parse(bodyWith(route, field, raw)))),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("answers as zod does for values close to valid ones", () => {
    // Wrong types and edge values in the places a lenient schema is most likely to differ.
    const nearly = fc.oneof(
      fc.constantFrom(null, "", 0, -1, 1.5, 2 ** 53, true, [], {}, [null], [{}], { type: "text" }, { role: "user" }, "user", "😀"),
      fc.string({ maxLength: 4 }),
      fc.integer(),
    );
    fc.assert(
      fc.property(fc.constantFrom(...route.fields), nearly, (field, value) => agree(JSON.parse(bodyWith(route, field, JSON.stringify(value))))),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe("a schema whose parse JSON Schema cannot see", () => {
  it.each([
    ["a refinement", z.looseObject({ tags: z.array(z.string()).refine((tags) => tags.length < 3) })],
    ["a transform", z.looseObject({ n: z.string().transform(Number) })],
    ["a default", z.looseObject({ stream: z.boolean().default(false) })],
  ])("is refused when it has %s", (_what, schema) => {
    expect(() => fastSafeParse(schema)).toThrow(/parse it with zod alone/);
  });
});
