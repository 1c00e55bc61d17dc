// Maps what the Copilot runtime reports about a failed model call onto the
// status a client's retry logic understands (contract B.9): 429 and 5xx are
// retryable, credentials and entitlement problems are 4xx with
// `x-should-retry: false`, an oversized prompt is OpenAI's
// `context_length_exceeded` so LiteLLM/OpenHands condense instead of crashing.
import { GatewayError } from "../core/gateway-error.js";

/** The runtime does not pass the provider's Retry-After on; this is what clients are told instead. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

const CONTEXT_OVERFLOW = /context[ _-]?(length|window)|maximum context|too many tokens|prompt is too long|exceeds? the (model'?s )?(max|limit)/i;

export interface UpstreamFailure {
  statusCode?: number;
  message?: string;
  errorType?: string;
}

/** Where the runtime's messages name the provider's configuration: a URL, or a setting such as COPILOT_PROVIDER_API_KEY. */
// A URL ends before trailing punctuation, so the sentence around it survives.
const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"`<>]*[^\s'"`<>.,;:!?)]/gi;
const SETTING_NAME = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/;
const CONFIGURATION_HINT = /\b(base ?url|api[ _-]?key|bearer token|environment variable)\b/i;

/**
 * The runtime's message as a client may read it. The runtime speaks to the
 * operator ("Check your COPILOT_PROVIDER_API_KEY…", "Check the base URL…",
 * the provider's address): a client can do nothing with that, and it tells
 * anyone where the gateway's provider is and how it is configured. So URLs
 * become "the model provider", and sentences about settings are dropped; the
 * whole message stays in the error's `detail`, for the logs.
 */
export function forClients(message: string): string {
  const sentences = message.replace(URL_PATTERN, "the model provider").split(/(?<=[.!?])\s+|\n+/);
  return sentences
    .filter((sentence) => !SETTING_NAME.test(sentence) && !CONFIGURATION_HINT.test(sentence))
    .join(" ")
    .trim();
}

export function upstreamError(failure: UpstreamFailure): GatewayError {
  const raw = failure.message?.trim() ?? "";
  if (STORAGE_FAILURE.test(raw)) return storageUnavailable(raw);
  const detail = forClients(raw) || "no detail";
  const status = failure.statusCode;
  if (status === 429 || failure.errorType === "rate_limit") {
    return new GatewayError({
      status: 429,
      type: "rate_limit_error",
      code: "rate_limit_exceeded",
      message: `The model provider is rate limiting requests: ${detail}`,
      retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
      detail: raw,
    });
  }
  if (CONTEXT_OVERFLOW.test(detail) && (status === undefined || status === 400 || status === 413)) {
    return new GatewayError({
      status: 400,
      code: "context_length_exceeded",
      param: "messages",
      message: `This model's maximum context length was exceeded: ${detail}`,
      detail: raw,
    });
  }
  if (status === 401 || status === 403) {
    return new GatewayError({
      status: 403,
      type: "permission_error",
      code: "upstream_unauthorized",
      message: `The model provider rejected the gateway's credentials or entitlement (${status}): ${detail}`,
      shouldRetry: false,
      detail: raw,
    });
  }
  if (status === 404) {
    return new GatewayError({ status: 404, code: "model_not_found", param: "model", message: `The model provider does not know this model: ${detail}`, detail: raw });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new GatewayError({ status: 400, code: "upstream_bad_request", message: `The model provider rejected the request (${status}): ${detail}`, detail: raw });
  }
  return new GatewayError({ status: 502, code: "upstream_error", message: `The model provider failed: ${detail}`, detail: raw });
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
      ...(cause.detail !== undefined ? { detail: cause.detail } : {}),
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
  // The runtime was lost and is being replaced (runtime/supervised-client.ts): a moment's wait, not a failure of the request.
  if (error instanceof Error && error.name === "RuntimeUnavailableError") {
    return new GatewayError({ status: 503, code: "runtime_unavailable", message: `The Copilot runtime is restarting; retry in a moment. (${message})`, retryAfterSeconds: 2 });
  }
  if (STORAGE_FAILURE.test(message)) return storageUnavailable(message);
  return new GatewayError({ status: 502, code: "runtime_error", message: `The Copilot runtime failed to ${action}: ${forClients(message) || "no detail"}`, detail: message });
}

/**
 * The runtime could not write its session files: the disk under the data
 * directory is full, read-only or over quota. The runtime reports it as a
 * failed model call (seen: "Failed to append to JSONL file <path>: No space
 * left on device"), but it is the gateway's own trouble: a 503 the client
 * may retry, naming no path (the log has the whole message).
 */
const STORAGE_FAILURE = /no space left on device|ENOSPC|read-only file system|EROFS|disk quota exceeded|EDQUOT/i;

function storageUnavailable(detail: string): GatewayError {
  return new GatewayError({
    status: 503,
    code: "storage_unavailable",
    message: "The gateway cannot write its session state: its disk is full or not writable. Retry later; the operator has been told.",
    retryAfterSeconds: 30,
    detail,
  });
}

/** The runtime took longer than the turn's deadline to open a session or take the turn: it is stuck, not slow. */
export function runtimeTimeout(seconds: number, action: string): GatewayError {
  return new GatewayError({
    status: 504,
    type: "timeout_error",
    code: "runtime_timeout",
    message: `The Copilot runtime did not ${action} within ${seconds} s.`,
  });
}
