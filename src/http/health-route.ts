// /healthz: the process answers. /readyz: the Copilot runtime answers too,
// and — as the operator chooses with `?store=` — the database.
//
// `?store=required`: an outage of the database makes the process unready,
// so a load balancer drains it (right when the outage is this replica's own:
// its SQLite disk is full, its link to PostgreSQL is cut). `?store=ignore`:
// it stays ready and serves what it can without the database (right when the
// database is shared: an outage that makes every replica unready leaves
// clients nothing, not even the keys each replica could still serve). By
// default the store counts when it is the process's own (SQLite) and not
// when it is shared (PostgreSQL). Either way the answer says how it is.
import { Hono } from "hono";
import type { Runtime } from "../runtime/runtime.js";
import { GatewayError, badRequest } from "../core/gateway-error.js";
import { STORE_RETRY_AFTER_SECONDS, STORE_UNAVAILABLE, type StoreStatus } from "../core/store-outage.js";

export function healthRoutes(runtime: Runtime, store?: StoreStatus): Hono {
  return new Hono({ strict: false })
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      const storeCounts = storeRequired(c.req.query("store"), store);
      try {
        await runtime.ping();
      } catch (error) {
        throw new GatewayError({
          status: 503,
          code: "runtime_unavailable",
          message: `The Copilot runtime (${runtime.description}) does not answer: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
      const since = store?.outageSince();
      if (store && since !== undefined && storeCounts) {
        throw new GatewayError({
          status: 503,
          code: STORE_UNAVAILABLE,
          message: `The gateway's database (${store.kind}) has been unavailable since ${new Date(since).toISOString()}; ${store.spooledRecords()} usage records wait in its spool.`,
          retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
        });
      }
      return c.json({ status: "ready", runtime: runtime.description, ...(store ? { store: storeState(store) } : {}) });
    });
}

function storeRequired(given: string | undefined, store: StoreStatus | undefined): boolean {
  if (given === "required") return true;
  if (given === "ignore") return false;
  if (given !== undefined) throw badRequest(`store must be "required" or "ignore", not "${given.slice(0, 40)}"`, "store");
  return store?.kind === "sqlite";
}

function storeState(store: StoreStatus) {
  const since = store.outageSince();
  return {
    kind: store.kind,
    status: since === undefined ? "available" : "unavailable",
    ...(since === undefined ? {} : { unavailable_since: new Date(since).toISOString() }),
    spooled_records: store.spooledRecords(),
  };
}
