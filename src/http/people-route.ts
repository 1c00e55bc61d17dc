// /admin/people: who signed in with GitHub, their seat, whether GitHub still
// renews their sign-in (and why not), their keys and last use, as JSON or
// CSV; one person by id or login; and PATCH {"status":"disabled"|"active"},
// which stops (or restores) all their keys at once, audited with the admin
// who made it. Mounted by admin-routes.ts behind the admin check;
// `copilot-gateway people` makes the same calls.
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { ChangeOrigin } from "../access/admin-audit.js";
import { peopleCsv, type PeopleAdmin, type PersonView } from "../access/people-admin.js";
import { badRequest, GatewayError } from "../core/gateway-error.js";
import type { AppEnv } from "../pipeline/app-env.js";
import type { PersonList } from "./admin-api.js";
import { readJsonBody } from "./json-body.js";
import { csvResponse, wantsCsv } from "./report-format.js";

export const personStatusInput = z.object({ status: z.enum(["active", "disabled"]) }).strict();

export function peopleRoute(people: PeopleAdmin, originOf: (c: Context<AppEnv>) => ChangeOrigin): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ strict: false });

  app.get("/", async (c) => {
    const csv = wantsCsv(c);
    const list = await people.list();
    return csv ? csvResponse(c, peopleCsv(list), "copilot-gateway-people.csv") : c.json({ object: "list", data: list } satisfies PersonList);
  });

  app.get("/:id", async (c) => c.json(found(await people.show(c.req.param("id")), c.req.param("id"))));

  app.patch("/:id", async (c) => {
    const parsed = personStatusInput.safeParse(await readJsonBody(c));
    if (!parsed.success) throw badRequest('Send {"status": "disabled"} or {"status": "active"}.', "status", "invalid_value");
    return c.json(found(await people.setStatus(c.req.param("id"), parsed.data.status, originOf(c)), c.req.param("id")));
  });

  return app;
}

function found(person: PersonView | undefined, id: string): PersonView {
  if (person !== undefined) return person;
  throw new GatewayError({ status: 404, code: "person_not_found", param: "id", message: `Nobody who signed in has the id or login '${id.slice(0, 100)}'.` });
}
