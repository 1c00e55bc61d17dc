// One error type for the whole gateway. It carries the HTTP status and the
// OpenAI error fields; other dialects map it onto their own shapes by status.
import { HTTPException } from "hono/http-exception";

export type OpenAIErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "insufficient_quota"
  | "server_error"
  | "timeout_error";

export interface GatewayErrorInit {
  status: number;
  message: string;
  type?: OpenAIErrorType;
  code?: string | null;
  param?: string | null;
  /**
   * Sent as `Retry-After` (seconds) and `retry-after-ms`. Clamped to 60 s, which
   * is what SDKs honour, unless `shouldRetry` is false: then it says when, however far (a budget's renewal).
   */
  retryAfterSeconds?: number;
  /** False: a Stainless SDK (openai-node, anthropic) must not retry (`x-should-retry: false`). */
  shouldRetry?: boolean;
}

const DEFAULT_TYPE: Record<number, OpenAIErrorType> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "invalid_request_error",
  405: "invalid_request_error",
  413: "invalid_request_error",
  415: "invalid_request_error",
  429: "rate_limit_error",
  504: "timeout_error",
};

export class GatewayError extends Error {
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly code: string | null;
  readonly param: string | null;
  readonly retryAfterSeconds: number | undefined;
  readonly shouldRetry: boolean | undefined;

  constructor(init: GatewayErrorInit) {
    super(init.message);
    this.name = "GatewayError";
    this.status = init.status;
    this.type = init.type ?? DEFAULT_TYPE[init.status] ?? (init.status >= 500 ? "server_error" : "invalid_request_error");
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    const ceiling = init.shouldRetry === false ? Infinity : 60;
    this.retryAfterSeconds = init.retryAfterSeconds === undefined ? undefined : Math.min(ceiling, Math.max(0, init.retryAfterSeconds));
    this.shouldRetry = init.shouldRetry;
  }

  /** The OpenAI error body: `{error:{message,type,param,code}}`. */
  toOpenAI(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  /** Headers that tell clients how to retry. */
  headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.retryAfterSeconds !== undefined) {
      headers["retry-after"] = String(Math.ceil(this.retryAfterSeconds));
      headers["retry-after-ms"] = String(Math.round(this.retryAfterSeconds * 1000));
    }
    if (this.shouldRetry !== undefined) headers["x-should-retry"] = String(this.shouldRetry);
    return headers;
  }
}

export function badRequest(message: string, param: string | null = null, code: string | null = null): GatewayError {
  return new GatewayError({ status: 400, message, param, code });
}

/**
 * How every error handler reads a thrown value: a GatewayError as it is,
 * Hono's HTTPException by its status, and anything else as an opaque 500 (no
 * stack or internals reach the client; the request id lets an operator find
 * the logged cause).
 */
export function asGatewayError(thrown: unknown, requestId?: string): GatewayError {
  if (thrown instanceof GatewayError) return thrown;
  if (thrown instanceof HTTPException) return new GatewayError({ status: thrown.status, message: thrown.message || "Request failed." });
  return new GatewayError({
    status: 500,
    code: "internal_error",
    message: `The gateway failed to handle the request${requestId ? ` (request id ${requestId})` : ""}.`,
  });
}

/** True for a thrown value the gateway did not mean to throw: a bug, to be logged with its message. */
export function isUnexpected(thrown: unknown): boolean {
  return !(thrown instanceof GatewayError) && !(thrown instanceof HTTPException);
}
