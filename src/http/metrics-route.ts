// GET /metrics: the Prometheus exposition. Open on a gateway that needs no
// key; otherwise guarded like the admin API (a scraper sends
// GATEWAY_ADMIN_KEY as its bearer token), since model names, callers' volume
// and the process's figures are an operator's business.
import { Hono } from "hono";
import type { GatewayMetrics } from "../observability/metrics.js";
import { requireAdmin } from "./admin-routes.js";
import type { AppEnv } from "../pipeline/app-env.js";

export function metricsRoute(metrics: GatewayMetrics, guard: { adminKey: string | undefined } | "open"): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  if (guard !== "open") app.use(requireAdmin(guard.adminKey));
  app.get("/", async (c) => {
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { "content-type": contentType });
  });
  return app;
}
