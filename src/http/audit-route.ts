// GET /admin/audit: the audit of admin changes, newest first, as JSON or CSV,
// filtered by time, actor, action and key. Mounted by admin-routes.ts behind
// the admin check; `copilot-gateway audit` reads the same records.
import { Hono } from "hono";
import type { AdminAuditStore } from "../access/admin-audit.js";
import { auditCsv, auditList, parseAuditFilter } from "../access/admin-audit-report.js";
import type { AppEnv } from "../pipeline/app-env.js";
import type { AdminChangeList } from "./admin-api.js";
import { csvResponse, filterFromQuery, wantsCsv } from "./report-format.js";

export function auditRoute(store: AdminAuditStore): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.get("/", async (c) => {
    const csv = wantsCsv(c);
    const filter = filterFromQuery(() =>
      parseAuditFilter({
        from: c.req.query("from"),
        to: c.req.query("to"),
        actor: c.req.query("actor"),
        action: c.req.query("action"),
        target: c.req.query("target"),
        limit: c.req.query("limit"),
      }),
    );
    const records = await store.list(filter);
    return csv ? csvResponse(c, auditCsv(records), "copilot-gateway-audit.csv") : c.json(auditList(records) satisfies AdminChangeList);
  });
  return app;
}
