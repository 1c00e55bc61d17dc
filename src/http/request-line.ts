// What every request gets on its way in and out: an id (the client's own
// X-Request-Id when it is a sane one, else a new UUID) that its answer carries,
// its count in the metrics, and one log line — written here unless it ran a
// turn, whose line is written when its answer ends (pipeline/admission.ts).
//
// One middleware instead of Hono's requestId and a logger of our own: the
// answer's header is set once the answer exists, because setting it ahead
// (c.header) builds a Headers object on every request's way to its first token.
import type { MiddlewareHandler } from "hono";
import { routeLabel, type GatewayMetrics } from "../observability/metrics.js";
import type { AppEnv } from "../pipeline/app-env.js";
import { GatewayError } from "../core/gateway-error.js";
import type { Logger } from "../core/logger.js";

const SANE_ID = /^[\w\-=]{1,255}$/;

export function requestLine(metrics: GatewayMetrics, logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header("x-request-id");
    const id = given !== undefined && SANE_ID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    c.res.headers.set("x-request-id", id);
    const turn = c.get("turn");
    metrics.requestAnswered({ route: routeLabel(c.req.path), dialect: turn?.dialect ?? "none", model: turn?.model ?? "", status: c.res.status });
    if (turn) return;
    const refusal = c.error instanceof GatewayError ? c.error.code : undefined;
    logger.info("request", {
      id,
      method: c.req.method,
      path: c.req.path.slice(0, 200),
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      ...(c.get("caller") ? { caller: c.get("caller").id } : {}),
      ...(refusal ? { error_code: refusal } : {}),
    });
  };
}
