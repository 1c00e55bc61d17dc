// GatewayError → Anthropic status and error type (B.13 #79), and the body shape.
import { describe, expect, it } from "vitest";
import { anthropicStatus, toAnthropicErrorBody } from "../../src/dialects/anthropic/errors.js";
import { GatewayError } from "../../src/core/gateway-error.js";

const error = (status: number, code?: string) => new GatewayError({ status, message: `failed with ${status}`, ...(code ? { code } : {}) });

describe("anthropicStatus (B.13 #79)", () => {
  it.each([
    [400, undefined, 400, "invalid_request_error"],
    [401, "invalid_api_key", 401, "authentication_error"],
    [403, "upstream_unauthorized", 403, "permission_error"],
    [404, "model_not_found", 404, "not_found_error"],
    [404, "unknown_url", 404, "not_found_error"],
    [405, undefined, 405, "invalid_request_error"],
    [413, "request_too_large", 413, "request_too_large"],
    [415, undefined, 415, "invalid_request_error"],
    [429, "rate_limit_exceeded", 429, "rate_limit_error"],
    [500, "internal_error", 500, "api_error"],
    [502, "upstream_error", 529, "overloaded_error"],
    [502, "runtime_error", 500, "api_error"],
    [502, "upstream_incomplete", 500, "api_error"],
    [503, "models_unavailable", 529, "overloaded_error"],
    [503, "shutting_down", 529, "overloaded_error"],
    [504, "upstream_timeout", 504, "timeout_error"],
  ])("%i %s → %i %s", (status, code, anthropic, type) => {
    expect(anthropicStatus(error(status, code))).toEqual({ status: anthropic, type });
  });
});

describe("toAnthropicErrorBody", () => {
  it("is {type:'error', error:{type, message}} with the English message kept, plus the request id", () => {
    expect(toAnthropicErrorBody(error(404, "model_not_found"), "req-1")).toEqual({
      type: "error",
      error: { type: "not_found_error", message: "failed with 404" },
      request_id: "req-1",
    });
    expect(toAnthropicErrorBody(error(429))).toEqual({ type: "error", error: { type: "rate_limit_error", message: "failed with 429" } });
  });
});
