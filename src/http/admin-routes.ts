// The admin API, mounted at /admin: virtual keys, usage reports, the tool-call
// audit, the audit of admin changes, the people who signed in and the live status, for operators holding
// GATEWAY_ADMIN_KEY (or, through `signedInAdmin`, a person signed in as an
// admin). Every route goes through KeyAdmin and UsageStore, the same calls
// `copilot-gateway keys|usage` makes, and every change names the request's
// admin (`adminActor` in the context); the bodies' types are in admin-api.ts.
// Errors are in OpenAI's shape whether it is mounted in the app or runs on its own.
import { Hono, type Context } from "hono";
import type { z } from "zod";
import type { AdminActor, AdminAuditStore, ChangeOrigin } from "../access/admin-audit.js";
import type { KeyAdmin } from "../access/key-admin.js";
import type { UsageQuery, UsageStore } from "../access/usage.js";
import { parseUsageQuery, usageCsv, usageReport } from "../access/usage-report.js";
import { createKeyInput, hashSecret, updateKeyInput } from "../access/virtual-keys.js";
import { formatParam, issueToBadRequest } from "../dialects/shared/issue-to-error.js";
import { constantTimeEqual, presentedApiKey } from "./auth.js";
import type { AppEnv } from "../pipeline/app-env.js";
import { badRequest, GatewayError } from "../core/gateway-error.js";
import { answerErrorsAsOpenAI } from "./openai-errors.js";
import { readJsonBody } from "./json-body.js";
import { csvResponse, filterFromQuery, wantsCsv } from "./report-format.js";
import { auditRoute } from "./audit-route.js";
import { peopleRoute } from "./people-route.js";
import type { PeopleAdmin } from "../access/people-admin.js";
import { toolCallsRoute } from "./tool-calls-route.js";
import type { ToolCallStore } from "../tools/tool-call-log.js";
import type { ApiKeyList, GatewayStatus } from "./admin-api.js";
import { silentLogger, type Logger } from "../core/logger.js";

export interface AdminRoutesDeps {
  admin: KeyAdmin;
  usage: UsageStore;
  /** The admin API answers only when set (or `signedInAdmin` is): 404 otherwise, so a gateway without one shows no admin surface. */
  adminKey: string | undefined;
  /**
   * The admin a request is from when it presents no admin key: a person signed
   * in whom the admin rights (access/admin-rights.ts) name an admin, as
   * `{ kind: "github", login }`; undefined for anyone else (a 401). The
   * sign-in code provides it; without it only the admin key is admitted.
   */
  signedInAdmin?: (c: Context<AppEnv>) => Promise<AdminActor | undefined>;
  /** The audit of admin changes, for GET /admin/audit; that route is a 404 without it (the changes are audited all the same). */
  audit?: AdminAuditStore;
  /** The people who signed in with GitHub, for /admin/people; that route is a 404 without it (no sign-in). */
  people?: PeopleAdmin;
  /** Where unexpected failures (a database down) are logged; the app passes its own. */
  logger?: Logger;
  /** The tool-call audit, for GET /admin/tool-calls; that route is a 404 without it. */
  toolCalls?: ToolCallStore;
  /** What is running now, for GET /admin/status; that route is a 404 without it. */
  status?: () => LiveStatus;
}

/** The gateway's figures at this moment, as the process holds them (not the database: other processes have their own). */
export interface LiveStatus {
  turns: { inFlight: number; waiting: number };
  sessions: { live: number; suspended: number };
  streams: number;
}

export function adminRoutes(deps: AdminRoutesDeps): Hono<AppEnv> {
  const { admin, usage } = deps;
  const logger = deps.logger ?? silentLogger;
  const app = new Hono<AppEnv>({ strict: false });

  app.use(requireAdmin(deps.adminKey, deps.signedInAdmin));

  app.post("/keys", async (c) => c.json(await admin.create(await readValid(c, createKeyInput), originOf(c)), 201));
  app.get("/keys", async (c) => c.json({ object: "list", data: await admin.list() } satisfies ApiKeyList));
  app.get("/keys/:id", async (c) => c.json(found(await admin.show(c.req.param("id")), c.req.param("id"))));
  app.patch("/keys/:id", async (c) => {
    const input = await readValid(c, updateKeyInput);
    return c.json(found(await admin.update(c.req.param("id"), input, originOf(c)), c.req.param("id")));
  });
  app.delete("/keys/:id", async (c) => c.json(found(await admin.revoke(c.req.param("id"), originOf(c)), c.req.param("id"))));

  app.get("/usage", async (c) => {
    const csv = wantsCsv(c);
    const query = usageQueryFrom({ groupBy: c.req.query("group_by"), from: c.req.query("from"), to: c.req.query("to") });
    const rows = await usage.report(query);
    return csv ? csvResponse(c, usageCsv(query.groupBy, rows), "copilot-gateway-usage.csv") : c.json(usageReport(query, rows));
  });

  if (deps.toolCalls) app.route("/tool-calls", toolCallsRoute(deps.toolCalls));
  if (deps.audit) app.route("/audit", auditRoute(deps.audit));
  if (deps.people) app.route("/people", peopleRoute(deps.people, originOf));
  else {
    // Answered here, not left to fall through to the API's key check: a 404 that says why.
    app.all("/people/*", () => {
      throw new GatewayError({ status: 404, code: "sign_in_off", message: "Nobody signs in with GitHub on this gateway (GATEWAY_GITHUB_CLIENT_ID is not set), so it has no people to list." });
    });
  }

  const status = deps.status;
  if (status) {
    app.get("/status", (c) => {
      const now = status();
      return c.json({
        object: "gateway_status",
        turns: { in_flight: now.turns.inFlight, waiting: now.turns.waiting },
        sessions: now.sessions,
        streams_in_flight: now.streams,
      } satisfies GatewayStatus);
    });
  }

  answerErrorsAsOpenAI(app, logger);
  return app;
}

/**
 * Admits a request presenting the admin key (Bearer or x-api-key) as the
 * actor `admin-key`, or one `signedInAdmin` names, as that admin. Client
 * keys, static or virtual, are not admin keys: they get the same 401 as any
 * wrong key. The presented key is never echoed.
 */
export function requireAdmin(adminKey: string | undefined, signedInAdmin?: AdminRoutesDeps["signedInAdmin"]) {
  const expected = adminKey ? hashSecret(adminKey) : undefined;
  return async (c: Context<AppEnv>, next: () => Promise<void>) => {
    if (expected === undefined && signedInAdmin === undefined) {
      throw new GatewayError({
        status: 404,
        code: "admin_disabled",
        message: "The admin API is off. Set GATEWAY_ADMIN_KEY (or --admin-key) and restart the gateway to turn it on.",
      });
    }
    const presented = presentedApiKey(c.req.raw.headers);
    if (!presented) {
      const admin = await signedInAdmin?.(c);
      if (admin !== undefined) {
        c.set("adminActor", admin);
        return next();
      }
      throw new GatewayError({
        status: 401,
        code: "missing_admin_key",
        type: "invalid_request_error",
        message: "Missing admin key. Send it as 'Authorization: Bearer <admin key>' or 'x-api-key'.",
        shouldRetry: false,
      });
    }
    // Both sides hashed first: equal lengths, so the comparison's time says nothing about the key.
    if (expected === undefined || !constantTimeEqual(await hashSecret(presented), await expected)) {
      throw new GatewayError({
        status: 401,
        code: "invalid_admin_key",
        type: "invalid_request_error",
        message: "Incorrect admin key provided.",
        shouldRetry: false,
      });
    }
    c.set("adminActor", { kind: "admin-key" });
    await next();
  };
}

/** Who makes this request's change, as `requireAdmin` admitted them, and the request's id (none when the app's request line did not run). */
function originOf(c: Context<AppEnv>): ChangeOrigin {
  const actor = c.get("adminActor");
  // Unreachable behind requireAdmin; a change never goes unattributed.
  if (actor === undefined) throw new Error("an admin change without an admin");
  return { actor, requestId: (c.get("requestId") as string | undefined) ?? null };
}

/** The body, validated; the first problem as a 400 naming its field. */
async function readValid<T>(c: Context<AppEnv>, schema: z.ZodType<T>): Promise<T> {
  const body = await readJsonBody(c);
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // The schemas are strict; a misspelt field is named, as OpenAI does, rather than silently ignored.
  if (issue.code === "unrecognized_keys") {
    const param = formatParam([...issue.path, issue.keys[0] ?? ""]);
    throw badRequest(`Unknown parameter: '${param}'.`, param, "unknown_parameter");
  }
  throw issueToBadRequest(issue, body);
}

function found<T>(value: T | undefined, id: string): T {
  if (value !== undefined) return value;
  throw new GatewayError({ status: 404, code: "key_not_found", param: "id", message: `No API key has the id '${id.slice(0, 100)}'.` });
}

function usageQueryFrom(text: { groupBy?: string | undefined; from?: string | undefined; to?: string | undefined }): UsageQuery {
  return filterFromQuery(() => parseUsageQuery(text));
}
