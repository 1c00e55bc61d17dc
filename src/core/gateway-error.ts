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
  /** Sent as `Retry-After` (seconds) and `retry-after-ms`; clamped to 60 s, which is what SDKs honour. */
  retryAfterSeconds?: number;
  /** False: a Stainless SDK (openai-node, anthropic) must not retry (`x-should-retry: false`). */
  shouldRetry?: boolean;
  /** Further response headers (a budget's renewal time). */
  headers?: Record<string, string>;
  /** What an operator may read but a client must not (the provider's own words, with its URL and setting names): logged, never sent. */
  detail?: string;
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
  readonly detail: string | undefined;
  private readonly extraHeaders: Record<string, string> | undefined;

  constructor(init: GatewayErrorInit) {
    super(presentable(init.message, MAX_MESSAGE_CHARS));
    this.name = "GatewayError";
    this.status = init.status;
    this.type = init.type ?? DEFAULT_TYPE[init.status] ?? (init.status >= 500 ? "server_error" : "invalid_request_error");
    this.code = init.code ?? null;
    this.param = init.param === null || init.param === undefined ? null : presentable(init.param, MAX_PARAM_CHARS);
    this.detail = init.detail;
    this.extraHeaders = init.headers;
    this.retryAfterSeconds = init.retryAfterSeconds === undefined ? undefined : Math.min(60, Math.max(0, init.retryAfterSeconds));
    this.shouldRetry = init.shouldRetry;
  }

  /** The OpenAI error body: `{error:{message,type,param,code}}`. */
  toOpenAI(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  /** Headers that tell clients how to retry. */
  headers(): Record<string, string> {
    const headers: Record<string, string> = { ...this.extraHeaders };
    if (this.retryAfterSeconds !== undefined) {
      headers["retry-after"] = String(Math.ceil(this.retryAfterSeconds));
      headers["retry-after-ms"] = String(Math.round(this.retryAfterSeconds * 1000));
    }
    if (this.shouldRetry !== undefined) headers["x-should-retry"] = String(this.shouldRetry);
    return headers;
  }
}

/** Messages echo client values (a model name, an id): one of 10 MB must not come back whole. */
const MAX_MESSAGE_CHARS = 2_000;
const MAX_PARAM_CHARS = 300;
/** No word of a message the gateway writes is this long; a longer one is an echoed value. */
const MAX_WORD_CHARS = 200;
const ECHO_KEPT_CHARS = 100;

/**
 * Text fit to send: any overlong run without spaces cut to its first 100
 * characters and "…", the whole to `max`, and lone surrogates as U+FFFD
 * (what the gateway writes must be valid Unicode, whatever it echoes).
 */
function presentable(text: string, max: number): string {
  let shown = text.length > MAX_WORD_CHARS ? text.replace(new RegExp(`\\S{${MAX_WORD_CHARS + 1},}`, "g"), (word) => `${word.slice(0, ECHO_KEPT_CHARS)}…`) : text;
  if (shown.length > max) shown = `${shown.slice(0, max)}…`;
  return shown.replace(/[\uD800-\uDFFF]/gu, "\uFFFD");
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
