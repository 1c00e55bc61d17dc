// How an app (or a sub-app: Hono runs a sub-app's own onError for its routes)
// answers an unknown URL and a failure: OpenAI's error shape, with the retry
// headers, and the failure logged by the one rule every handler keeps.
import type { Hono } from "hono";
import type { AppEnv } from "../pipeline/app-env.js";
import { asGatewayError, GatewayError } from "../core/gateway-error.js";
import { logFailure, type Logger } from "../core/logger.js";

export function answerErrorsAsOpenAI(app: Hono<AppEnv>, logger: Logger): void {
  app.notFound((c) => {
    const error = new GatewayError({ status: 404, code: "unknown_url", message: `Invalid URL (${c.req.method} ${c.req.path})` });
    return c.json(error.toOpenAI(), 404);
  });
  app.onError((thrown, c) => {
    const error = asGatewayError(thrown, c.get("requestId"));
    logFailure(logger, thrown, error, c.get("requestId"));
    return c.json(error.toOpenAI(), error.status as 400, error.headers());
  });
}
