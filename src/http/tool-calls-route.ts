// GET /admin/tool-calls: the tool-call audit, newest first, as JSON or CSV,
// filtered by time, caller and server. Mounted by admin-routes.ts behind the
// admin key; `copilot-gateway tool-calls` reads the same records.
import { Hono } from "hono";
import type { AppEnv } from "../pipeline/app-env.js";
import type { ToolCallStore } from "../tools/tool-call-log.js";
import { parseToolCallFilter, toolCallList, toolCallsCsv } from "../tools/tool-call-report.js";
import type { ToolCallList } from "./admin-api.js";
import { csvResponse, filterFromQuery, wantsCsv } from "./report-format.js";

export function toolCallsRoute(store: ToolCallStore): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });
  app.get("/", async (c) => {
    const csv = wantsCsv(c);
    const filter = filterFromQuery(() =>
      parseToolCallFilter({
        from: c.req.query("from"),
        to: c.req.query("to"),
        caller: c.req.query("caller"),
        server: c.req.query("server"),
        limit: c.req.query("limit"),
      }),
    );
    const calls = await store.list(filter);
    return csv ? csvResponse(c, toolCallsCsv(calls), "copilot-gateway-tool-calls.csv") : c.json(toolCallList(calls) satisfies ToolCallList);
  });
  return app;
}
