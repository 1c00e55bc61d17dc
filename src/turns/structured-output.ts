// response_format is passed to the runtime, but nothing guarantees the model
// kept to it. The final text is checked here, and an answer that is not the
// JSON (or does not fit the schema) the client asked for ends with an error
// instead of being passed off as valid (contract B.16).
import { Ajv, type ValidateFunction } from "ajv";
import { GatewayError } from "../core/gateway-error.js";
import type { ResponseFormat, TurnEvent } from "../core/turn.js";

export type OutputCheck = (text: string) => GatewayError | undefined;

/** `schemaParam` names the schema's field in the client's dialect for a 400. */
export function structuredOutputCheck(format: ResponseFormat, schemaParam = "response_format.json_schema.schema"): OutputCheck {
  let validate: ValidateFunction | undefined;
  if (format.type === "json_schema") {
    try {
      // strict: false — client schemas carry keywords (e.g. OpenAI's) that Ajv does not know.
      validate = new Ajv({ strict: false, allErrors: false }).compile(format.schema);
    } catch (error) {
      throw new GatewayError({
        status: 400,
        param: schemaParam,
        code: "invalid_value",
        message: `The JSON schema is not valid: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  return (text) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return invalidOutput("The model's answer is not valid JSON, though response_format asked for JSON.");
    }
    if (format.type === "json_object") {
      return value !== null && typeof value === "object" && !Array.isArray(value)
        ? undefined
        : invalidOutput("The model's answer is JSON but not an object, though response_format asked for json_object.");
    }
    if (validate && !validate(value)) {
      const first = validate.errors?.[0];
      const where = first?.instancePath || "/";
      return invalidOutput(`The model's answer does not match the response_format schema '${format.name}': ${where} ${first?.message ?? "is invalid"}.`);
    }
    return undefined;
  };
}

/** Passes events through; a complete answer that fails the check ends with an error instead of its finish. */
export async function* checkedOutput(events: AsyncIterable<TurnEvent>, check: OutputCheck): AsyncGenerator<TurnEvent> {
  let text = "";
  for await (const event of events) {
    if (event.type === "text") text += event.delta;
    // A truncated answer says so with finish_reason "length"; it is not held to the schema.
    if (event.type === "finish" && event.reason === "stop") {
      const failure = check(text);
      if (failure) {
        yield { type: "error", error: failure };
        return;
      }
    }
    yield event;
  }
}

function invalidOutput(message: string): GatewayError {
  return new GatewayError({ status: 502, code: "invalid_structured_output", message });
}
