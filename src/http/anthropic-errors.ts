// Renders every error of the /messages routes in the Anthropic shape
// (B.13 #79): the Anthropic SDK picks its error class by status and reads
// `error.type`, and Claude Code shows `error.message`; an OpenAI-shaped body
// would reach the user as an unreadable blob.
//
// Two pieces, because Hono runs a sub-app's `onError` only for the sub-app's
// own handlers: `anthropicErrorHandler` is the messages sub-app's `onError`
// (malformed JSON, validation, model_not_found, upstream failures), and
// `anthropicErrors()` re-renders errors raised before the sub-app is reached
// (the API-key check's 401, the body limit's 413) when mounted ahead of them.
import type { Context, ErrorHandler, MiddlewareHandler } from "hono";
import type { AppEnv } from "../pipeline/app-env.js";
import { asGatewayError, type GatewayError } from "../core/gateway-error.js";
import { logFailure, silentLogger, type Logger } from "../core/logger.js";
import { anthropicStatus, toAnthropicErrorBody } from "../dialects/anthropic/errors.js";

/** An Anthropic error response for `error`, with its Retry-After / x-should-retry headers. */
export function anthropicErrorResponse(c: Context<AppEnv>, error: GatewayError): Response {
  const { status } = anthropicStatus(error);
  return c.json(toAnthropicErrorBody(error, c.get("requestId")), status as 400, error.headers());
}

/** The messages sub-app's `onError`; logs like the app's own handler does. */
export function anthropicErrorHandler(logger: Logger = silentLogger): ErrorHandler<AppEnv> {
  return (thrown, c) => {
    const requestId = c.get("requestId");
    const error = asGatewayError(thrown, requestId);
    logFailure(logger, thrown, error, requestId);
    return anthropicErrorResponse(c, error);
  };
}

/**
 * Middleware for the app: mount it on the messages path before the API-key
 * check and the body limit (`api.use("/messages/*", anthropicErrors())`), and
 * whatever error ends the request — rendered in the OpenAI shape by the app's
 * `onError` further in — leaves in the Anthropic shape. It reads `c.error`,
 * which Hono sets for every error its error handlers rendered.
 */
export function anthropicErrors(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.error) c.res = anthropicErrorResponse(c, asGatewayError(c.error, c.get("requestId")));
  };
}
