// Request validation that is quick where it counts. At concurrency 1 the
// gateway's code runs cold between requests, and zod's parse of a 20-message
// chat body (a tree of small closures) took ~150 µs of the first token; a
// JSON Schema validator compiled by ajv from the very same zod schema is one
// straight-line function and takes ~25 µs. It only says yes
// or no, so a body it refuses is parsed by zod, whose first issue names the
// field for the client's error (issue-to-error.ts).
//
// It stands in for zod only where the two cannot disagree: a schema whose
// parse returns its input as it came. A transform, a default or a refinement
// (which JSON Schema leaves out without a word) is refused when the validator
// is built; tests/unit/fast-accept.test.ts holds the two to the same answers
// on hostile bodies.
import { Ajv } from "ajv";
import { z } from "zod";

/** zod schema kinds whose parse changes or judges what the JSON Schema cannot see. */
const NOT_SEEN_BY_JSON_SCHEMA = new Set(["pipe", "transform", "default", "prefault", "catch", "custom", "promise", "function"]);

/** `schema.safeParse`, answered by a compiled validator when the body is valid. */
export function fastSafeParse<S extends z.ZodType>(schema: S): (body: unknown) => z.ZodSafeParseResult<z.output<S>> {
  const accepts = compileAcceptor(schema);
  if (!accepts) return (body) => schema.safeParse(body);
  return (body) => (accepts(body) ? { success: true, data: body as z.output<S> } : schema.safeParse(body));
}

function compileAcceptor(schema: z.ZodType): ((body: unknown) => boolean) | undefined {
  const jsonSchema = z.toJSONSchema(schema, {
    target: "draft-7",
    io: "input",
    unrepresentable: "throw",
    override: ({ zodSchema, jsonSchema }) => {
      refuseWhatJsonSchemaCannotSee(zodSchema);
      // A discriminated union (a message by its role) checks the one branch its tag names, not every branch as oneOf does: ~100 µs less.
      // ajv's discriminator looks at objects only; the union takes nothing else.
      const discriminator = defOf(zodSchema).discriminator;
      if (discriminator !== undefined) Object.assign(jsonSchema, { type: "object", discriminator: { propertyName: discriminator } });
    },
  });
  // zod counts a string's length in UTF-16 units and runs patterns as plain RegExps: so must ajv.
  // (ajv logs `unicode: false` as deprecated, though it still honours it: its log is not the gateway's.)
  const ajv = new Ajv({ strict: false, allErrors: false, unicode: false, unicodeRegExp: false, logger: false, discriminator: true });
  try {
    return ajv.compile(jsonSchema);
  } catch (error) {
    // A runtime without eval (some edge platforms) cannot compile validators: zod alone answers.
    if (error instanceof EvalError) return undefined;
    throw error;
  }
}

/** The parts of a zod schema's definition (zod's documented internals for library authors) read here. */
interface SchemaDef {
  type: string;
  checks?: Array<{ _zod: { def: { check: string } } }>;
  discriminator?: string;
}

function defOf(zodSchema: unknown): SchemaDef {
  return (zodSchema as { _zod: { def: SchemaDef } })._zod.def;
}

function refuseWhatJsonSchemaCannotSee(zodSchema: unknown): void {
  const def = defOf(zodSchema);
  const refined = def.checks?.some((check) => check._zod.def.check === "custom") ?? false;
  if (NOT_SEEN_BY_JSON_SCHEMA.has(def.type) || refined) {
    throw new Error(`fastSafeParse: a ${refined ? "refinement" : def.type} in the schema would be skipped by its JSON Schema; parse it with zod alone`);
  }
}
