// Maps what the Copilot runtime reports about a failed model call onto the
// status a client's retry logic understands (contract B.9): 429 and 5xx are
// retryable, credentials and entitlement problems are 4xx with
// `x-should-retry: false`, an oversized prompt is OpenAI's
// `context_length_exceeded` so LiteLLM/OpenHands condense instead of crashing.
import { GatewayError } from "../http/errors.js";

/** The runtime does not pass the provider's Retry-After on; this is what clients are told instead. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

const CONTEXT_OVERFLOW = /context[ _-]?(length|window)|maximum context|too many tokens|prompt is too long|exceeds? the (model'?s )?(max|limit)/i;

export interface UpstreamFailure {
  statusCode?: number;
  message?: string;
  errorType?: string;
}

export function upstreamError(failure: UpstreamFailure): GatewayError {
  const detail = failure.message?.trim() || "no detail";
  const status = failure.statusCode;
  if (status === 429 || failure.errorType === "rate_limit") {
    return new GatewayError({
      status: 429,
      type: "rate_limit_error",
      code: "rate_limit_exceeded",
      message: `The model provider is rate limiting requests: ${detail}`,
      retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
    });
  }
  if (CONTEXT_OVERFLOW.test(detail) && (status === undefined || status === 400 || status === 413)) {
    return new GatewayError({
      status: 400,
      code: "context_length_exceeded",
      param: "messages",
      message: `This model's maximum context length was exceeded: ${detail}`,
    });
  }
  if (status === 401 || status === 403) {
    return new GatewayError({
      status: 403,
      type: "permission_error",
      code: "upstream_unauthorized",
      message: `The model provider rejected the gateway's credentials or entitlement (${status}): ${detail}`,
      shouldRetry: false,
    });
  }
  if (status === 404) {
    return new GatewayError({ status: 404, code: "model_not_found", param: "model", message: `The model provider does not know this model: ${detail}` });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new GatewayError({ status: 400, code: "upstream_bad_request", message: `The model provider rejected the request (${status}): ${detail}` });
  }
  return new GatewayError({ status: 502, code: "upstream_error", message: `The model provider failed: ${detail}` });
}

export function upstreamTimeout(seconds: number, lastFailure: UpstreamFailure | undefined): GatewayError {
  if (lastFailure) {
    // Still failing when the deadline struck: report the failure itself, with its own status.
    const cause = upstreamError(lastFailure);
    return new GatewayError({
      status: cause.status,
      type: cause.type,
      code: cause.code,
      param: cause.param,
      message: `${cause.message} (still failing after ${seconds} s of retries)`,
      ...(cause.retryAfterSeconds !== undefined ? { retryAfterSeconds: cause.retryAfterSeconds } : {}),
      ...(cause.shouldRetry !== undefined ? { shouldRetry: cause.shouldRetry } : {}),
    });
  }
  return new GatewayError({
    status: 504,
    type: "timeout_error",
    code: "upstream_timeout",
    message: `The model did not start answering within ${seconds} s.`,
  });
}

export function upstreamStalled(seconds: number): GatewayError {
  return new GatewayError({
    status: 504,
    type: "timeout_error",
    code: "upstream_stalled",
    message: `The model stopped sending output for ${seconds} s; the answer is incomplete.`,
  });
}

/** An error thrown by an SDK call (send, createSession) rather than reported as an event. */
export function runtimeCallError(error: unknown, action: string): GatewayError {
  const message = error instanceof Error ? error.message : String(error);
  return new GatewayError({ status: 502, code: "runtime_error", message: `The Copilot runtime failed to ${action}: ${message}` });
}
