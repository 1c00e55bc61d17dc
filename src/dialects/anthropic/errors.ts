// GatewayError → the Anthropic error shape and status (B.13 #77/#79):
// `{"type":"error","error":{"type","message"}}`, with the gateway's English
// message kept as is (Claude Code's fallback logic matches English text,
// opensquilla #1102) and its Retry-After / x-should-retry headers (B.9 #56/#57).
import type { GatewayError } from "../../core/gateway-error.js";

export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "timeout_error"
  | "api_error"
  | "overloaded_error";

export interface AnthropicErrorBody {
  type: "error";
  error: { type: AnthropicErrorType; message: string };
  /** The gateway's request id, where Anthropic puts its own. */
  request_id?: string;
}

/**
 * The status and type an Anthropic client gets for a gateway error.
 *
 * - 4xx keep their status with Anthropic's type for it (401 authentication,
 *   403 permission, 404 not_found, 413 request_too_large, 429 rate_limit;
 *   anything else invalid_request).
 * - The model provider failing (502 `upstream_error`) and the gateway being
 *   unable to serve for now (503: runtime model list unavailable, shutting
 *   down) → 529 `overloaded_error`. It is Anthropic's "try again shortly"
 *   signal: the SDK maps it to `OverloadedError` and retries it, and Claude
 *   Code retries it with back-off and can switch to its `--fallback-model`.
 * - 504 stays 504 `timeout_error` (the SDK's `GatewayTimeoutError`, retried).
 * - Every other 5xx (the runtime failing, an incomplete answer, an
 *   unexpected failure) is 500 `api_error`, also retried by the SDK.
 */
export function anthropicStatus(error: GatewayError): { status: number; type: AnthropicErrorType } {
  const { status } = error;
  switch (status) {
    case 401:
      return { status, type: "authentication_error" };
    case 403:
      return { status, type: "permission_error" };
    case 404:
      return { status, type: "not_found_error" };
    case 413:
      return { status, type: "request_too_large" };
    case 429:
      return { status, type: "rate_limit_error" };
    case 503:
      return { status: 529, type: "overloaded_error" };
    case 504:
      return { status, type: "timeout_error" };
  }
  if (status === 502 && error.code === "upstream_error") return { status: 529, type: "overloaded_error" };
  if (status >= 500) return { status: 500, type: "api_error" };
  return { status: status >= 400 ? status : 400, type: "invalid_request_error" };
}

export function toAnthropicErrorBody(error: GatewayError, requestId?: string): AnthropicErrorBody {
  const body: AnthropicErrorBody = { type: "error", error: { type: anthropicStatus(error).type, message: error.message } };
  if (requestId) body.request_id = requestId;
  return body;
}
