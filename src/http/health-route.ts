// /healthz: the process answers. /readyz: the Copilot runtime answers too.
import { Hono } from "hono";
import type { Runtime } from "../runtime/runtime.js";
import { GatewayError } from "../core/gateway-error.js";

export function healthRoutes(runtime: Runtime): Hono {
  return new Hono({ strict: false })
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      try {
        await runtime.ping();
      } catch (error) {
        throw new GatewayError({
          status: 503,
          code: "runtime_unavailable",
          message: `The Copilot runtime (${runtime.description}) does not answer: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
      return c.json({ status: "ready", runtime: runtime.description });
    });
}
