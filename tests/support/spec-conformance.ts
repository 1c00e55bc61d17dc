// Checks every body, SSE event and error the gateway produces in the tests
// against the providers' own published specifications:
// - OpenAI routes: the schemas of OpenAI's OpenAPI document
//   (tests/spec/openai.schemas.json; source repository and commit inside);
// - Anthropic routes: JSON Schema derived from the official Anthropic SDK's
//   TypeScript types (tests/spec/anthropic.schemas.json; how, inside), the
//   Beta types for requests under the MCP connector's beta header.
// startGateway() wraps the app with `observeConformance`, which watches each
// response as the test reads it; tests/support/conformance-setup.ts fails the
// test that produced a violation. Deliberate, explained differences are
// listed in KNOWN_DIFFERENCES, each with its reason.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { DirectResponses } from "../../src/pipeline/frame-sink.js";

const SPEC_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "spec");

export interface Violation {
  where: string;
  problem: string;
}

const violations: Violation[] = [];
const pending = new Set<Promise<void>>();

/**
 * Violations found since the last call, once every response being watched has
 * been read to its end — or a second has passed: a body the test never read
 * is never checked.
 */
export async function takeViolations(): Promise<Violation[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([Promise.all([...pending]), new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)))]);
  clearTimeout(timer);
  pending.clear();
  return violations.splice(0);
}

/**
 * Differences from the specifications the gateway keeps on purpose, none of
 * which the suite produces today (so none is skipped): each key is
 * `<schema> <instance path> <ajv keyword>`, the value says why. Kept apart
 * from this list, and explained where they are made:
 * - Responses `response.error.code` passes `context_length_exceeded` and
 *   `insufficient_quota`, which OpenAI's servers send and Codex acts on, though
 *   the published enum lacks them (src/dialects/responses/response-object.ts);
 * - Anthropic fields whose SDK type admits null may be omitted
 *   (anthropicAsTheApiSends below).
 */
export const KNOWN_DIFFERENCES: Record<string, string> = {};

let validators: Validators | undefined;

/** Wraps a fetch handler so that every response it produces is checked as it is read. */
export function observeConformance<Args extends unknown[]>(fetch: (request: Request, ...rest: Args) => Response | Promise<Response>) {
  return async (request: Request, ...rest: Args): Promise<Response> => {
    // A stream written straight to the connection is checked as it is written.
    const env = rest[0] as { directResponses?: DirectResponses } | undefined;
    if (env?.directResponses) rest[0] = { ...env, directResponses: observeDirect(request, env.directResponses) };
    const response = await fetch(request, ...rest);
    const route = routeOf(request, response.status, response.headers);
    if (!route || !response.body) return response;
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    const settle = watching();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await reader.read();
          if (next.done) {
            controller.close();
            checkBody(route, Buffer.concat(chunks).toString("utf8"));
            settle();
            return;
          }
          chunks.push(next.value);
          controller.enqueue(next.value);
        } catch (error) {
          settle();
          controller.error(error);
        }
      },
      async cancel(reason) {
        // A client that went away saw no complete body: nothing to check, and the gateway must see the cancel.
        settle();
        await reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

type Dialect = "openai" | "anthropic";

interface Route {
  dialect: Dialect;
  /** e.g. "POST /chat/completions" */
  name: string;
  status: number;
  stream: boolean;
  /** An Anthropic request under the MCP connector's beta (`anthropic-beta: mcp-client-…`): checked against the SDK's Beta types. */
  beta?: boolean;
}

/** A pending check, counted by takeViolations; call what it returns once the body is over. */
function watching(): () => void {
  let settle: () => void = () => {};
  const done = new Promise<void>((resolve) => (settle = resolve));
  pending.add(done);
  void done.then(() => pending.delete(done));
  return settle;
}

function observeDirect(request: Request, direct: DirectResponses): DirectResponses {
  return {
    start(status, headers) {
      const sink = direct.start(status, headers);
      const route = routeOf(request, status, new Headers(headers));
      if (!route) return sink;
      const frames: string[] = [];
      const settle = watching();
      return {
        write(frame) {
          frames.push(frame);
          return sink.write(frame);
        },
        drained: () => sink.drained(),
        end(last) {
          if (last) frames.push(last);
          sink.end(last);
          checkBody(route, frames.join(""));
          settle();
        },
        // A client that went away saw no complete body: nothing to check.
        onGone(listener) {
          sink.onGone(() => {
            settle();
            listener();
          });
        },
      };
    },
  };
}

function routeOf(request: Request, status: number, headers: Headers): Route | undefined {
  const path = new URL(request.url).pathname.replace(/^\/v1(?=\/)/, "").replace(/\/+$/, "");
  const stream = (headers.get("content-type") ?? "").startsWith("text/event-stream");
  const json = (headers.get("content-type") ?? "").startsWith("application/json");
  if (!stream && !json) return undefined;
  if (path.startsWith("/messages")) {
    const beta = (request.headers.get("anthropic-beta") ?? "").includes("mcp-client-");
    return { dialect: "anthropic", name: `${request.method} ${path}`, status, stream, beta };
  }
  if (path === "/healthz" || (path === "/readyz" && status < 400)) return undefined;
  return { dialect: "openai", name: `${request.method} ${path.replace(/^\/(models|responses)\/.+$/, "/$1/{id}")}`, status, stream };
}

/** Checks a whole body; a check that cannot run (a schema ajv cannot compile) is a violation too, never a silent pass. */
function checkBody(route: Route, text: string): void {
  const where = `${route.name} → ${route.status}`;
  try {
    checkText(route, where, text);
  } catch (error) {
    violations.push({ where, problem: `the check itself failed: ${error instanceof Error ? error.message : String(error)}` });
  }
}

function checkText(route: Route, where: string, text: string): void {
  if (!route.stream) return checkJson(route, where, text);
  for (const frame of text.split("\n\n")) {
    if (frame === "" || frame.startsWith(":")) continue;
    const event = /^event: (.+)$/m.exec(frame)?.[1];
    const data = /^data: (.*)$/m.exec(frame)?.[1];
    if (data === undefined) {
      violations.push({ where, problem: `an SSE frame without data: ${JSON.stringify(frame.slice(0, 120))}` });
      continue;
    }
    if (data === "[DONE]") continue;
    const parsed = parse(where, data);
    if (parsed === undefined) continue;
    const type = (parsed as { type?: unknown }).type;
    if (event !== undefined && event !== type) violations.push({ where, problem: `event: ${event} carries data of type ${String(type)}` });
    check(where, schemaForEvent(route, parsed), parsed);
  }
}

function checkJson(route: Route, where: string, text: string): void {
  const parsed = parse(where, text);
  if (parsed === undefined) return;
  check(where, schemaForBody(route), parsed);
}

function schemaForBody(route: Route): string {
  if (route.dialect === "anthropic") {
    if (route.status >= 400) return "anthropic ErrorResponse";
    if (route.name.endsWith("/count_tokens")) return "anthropic MessageTokensCount";
    return route.beta ? "anthropic BetaMessage" : "anthropic Message";
  }
  if (route.status >= 400) return "openai ErrorResponse";
  const byRoute: Record<string, string> = {
    "POST /chat/completions": "openai CreateChatCompletionResponse",
    "GET /models": "openai ListModelsResponse",
    "GET /models/{id}": "openai Model",
    "POST /responses": "openai Response",
    "GET /responses/{id}": "openai Response",
  };
  return byRoute[route.name] ?? "none";
}

function schemaForEvent(route: Route, data: unknown): string {
  const v = (validators ??= loadValidators());
  const type = String((data as { type?: unknown }).type);
  if (route.dialect === "anthropic") {
    if (type === "error") return "anthropic ErrorResponse";
    if (type === "ping") return "anthropic ping";
    return route.beta ? "anthropic BetaRawMessageStreamEvent" : "anthropic RawMessageStreamEvent";
  }
  if (route.name === "POST /responses") return v.responseEvents.get(type) ?? `openai <no stream event of type ${type}>`;
  return (data as { error?: unknown }).error !== undefined ? "openai ErrorResponse" : "openai CreateChatCompletionStreamResponse";
}

function parse(where: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    violations.push({ where, problem: `not JSON: ${JSON.stringify(text.slice(0, 120))}` });
    return undefined;
  }
}

function check(where: string, schema: string, value: unknown): void {
  if (schema === "none") return;
  const validate = (validators ??= loadValidators()).get(schema);
  if (!validate) {
    violations.push({ where, problem: `no schema for it (${schema})` });
    return;
  }
  if (validate(value)) return;
  for (const error of validate.errors ?? []) {
    const key = `${schema} ${error.instancePath || "/"} ${error.keyword}`;
    if (KNOWN_DIFFERENCES[genericKey(key)] !== undefined) continue;
    violations.push({ where, problem: `${schema}: ${describe(error)}` });
  }
}

/** Array indices in a path are generalised, so one entry covers every element. */
function genericKey(key: string): string {
  return key.replace(/\/\d+(?=\/|\s)/g, "/*");
}

function describe(error: ErrorObject): string {
  return `${error.instancePath || "/"} ${error.message ?? error.keyword}${Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : ""}`;
}

interface Validators {
  get(name: string): ValidateFunction | undefined;
  /** Responses stream event type → its schema name. */
  responseEvents: Map<string, string>;
}

type JsonSchema = Record<string, unknown> & { anyOf?: JsonSchema[]; properties?: Record<string, JsonSchema>; required?: string[]; $ref?: string };

function loadValidators(): Validators {
  // OpenAI's document uses OpenAPI's `nullable`, `discriminator` and `x-…` keywords and formats such as `unixtime`.
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const openai = JSON.parse(readFileSync(join(SPEC_DIR, "openai.schemas.json"), "utf8")) as { components: { schemas: Record<string, JsonSchema & { properties?: { type?: { enum?: string[] } } }> } };
  const anthropic = JSON.parse(readFileSync(join(SPEC_DIR, "anthropic.schemas.json"), "utf8")) as { definitions: Record<string, JsonSchema> };
  ajv.addSchema({ $id: "openai", components: nullableAsAnyOf(openai.components) });
  // Unions of blocks and events are told apart by `type`, so an error names the member's own problem.
  const tagged = new Ajv({ strict: false, validateFormats: false, allErrors: true, discriminator: true });
  const definitions = anthropicAsTheApiSends(anthropic.definitions);
  tagged.addSchema({ $id: "anthropic", definitions });
  const compiled = new Map<string, ValidateFunction>();
  const get = (name: string): ValidateFunction | undefined => {
    if (compiled.has(name)) return compiled.get(name);
    const [doc, type] = name.split(" ") as [string, string];
    let validate: ValidateFunction | undefined;
    if (name === "anthropic ping") validate = ajv.compile({ type: "object", properties: { type: { const: "ping" } }, required: ["type"], additionalProperties: false });
    else if (doc === "openai" && openai.components.schemas[type]) validate = ajv.getSchema(`openai#/components/schemas/${type}`);
    else if (doc === "anthropic" && definitions[type]) validate = tagged.getSchema(`anthropic#/definitions/${type}`);
    if (validate) compiled.set(name, validate);
    return validate;
  };
  const responseEvents = new Map<string, string>();
  for (const member of openai.components.schemas.ResponseStreamEvent?.anyOf ?? []) {
    const name = (member.$ref ?? "").split("/").at(-1)!;
    for (const type of openai.components.schemas[name]?.properties?.type?.enum ?? []) responseEvents.set(type, `openai ${name}`);
  }
  return { get, responseEvents };
}

/**
 * OpenAPI 3.0's `nullable: true`, written as what it means: "this or null".
 * ajv's own reading of it widens `type` only, so a nullable enum
 * (`finish_reason` of every stream chunk) still refuses the null OpenAI
 * sends, and a nullable `$ref` (a chunk's `usage`) does not compile at all.
 */
function nullableAsAnyOf<T>(value: T): T {
  if (Array.isArray(value)) return value.map(nullableAsAnyOf) as T;
  if (value === null || typeof value !== "object") return value;
  const { nullable, ...schema } = Object.fromEntries(Object.entries(value).map(([key, item]) => [key, nullableAsAnyOf(item)])) as JsonSchema & { nullable?: unknown };
  if (nullable === true) return { anyOf: [schema, { type: "null" }] } as T;
  return schema as T;
}

/**
 * The SDK's types, read as the API's contract: a field whose type admits
 * `null` is one the API may leave out (the SDK reads a missing field as
 * absent, and its types cannot say "optional or null" apart from "null"), so
 * it is not required; everything else — required fields, no unknown fields,
 * the allowed values — stays as strict as the types. Unions whose members
 * each fix `type` become tagged unions.
 */
function anthropicAsTheApiSends(definitions: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const constType = (schema: JsonSchema | undefined): boolean => {
    const target = schema?.$ref ? definitions[schema.$ref.replace("#/definitions/", "")] : schema;
    return target?.properties?.type?.const !== undefined;
  };
  const admitsNull = (schema: JsonSchema): boolean =>
    (Array.isArray(schema.type) && schema.type.includes("null")) || schema.type === "null" || (schema.anyOf ?? []).some(admitsNull);
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (value === null || typeof value !== "object") return value;
    const schema = Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visit(item)])) as JsonSchema;
    if (Array.isArray(schema.required) && schema.properties) schema.required = schema.required.filter((name) => !admitsNull(schema.properties![name] ?? {}));
    if (schema.anyOf && schema.anyOf.length > 1 && schema.anyOf.every(constType)) {
      schema.oneOf = schema.anyOf;
      delete schema.anyOf;
      schema.discriminator = { propertyName: "type" };
    }
    return schema;
  };
  return visit(definitions) as Record<string, JsonSchema>;
}
