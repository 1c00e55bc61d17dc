// PostgreSQL gone silent rather than down: the gateway's link to it swallows
// every byte both ways and closes nothing (a partition, a dead host, packets
// dropped by a firewall), so no error comes and TCP would wait many minutes.
// A query already sent on a pooled connection must not hold the request
// behind it for as long as the link stays silent: it fails after the query
// timeout, the store is an outage, the request is answered as in any outage
// (a key used before is served), and the pool is healthy when the link is
// back. Runs on the PostgreSQL server `.ci/run` starts, through a link of the
// test's own (tests/support/silent-link.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { chatBody, startGateway, type TestGateway } from "../support/gateway.js";
import { startSilentLink, type SilentLink } from "../support/silent-link.js";
import { eventually } from "../support/wait-for.js";

const ADMIN_KEY = "admin-key-for-the-silent-link-test";
/** Far beyond the query timeout (1 s) and the supervisor's probes: what a request waits for on a silent link without one. */
const SILENCE_BOUND_MS = 20_000;

describe.skipIf(!process.env.TEST_DATABASE_URL)("a silent link to PostgreSQL (needs TEST_DATABASE_URL)", () => {
  let database: TestDatabase;
  let link: SilentLink;
  let gw: TestGateway;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    const direct = new URL(database.options.databaseUrl!);
    link = await startSilentLink(direct.hostname, Number(direct.port || 5432));
    const throughLink = new URL(direct);
    throughLink.hostname = "127.0.0.1";
    throughLink.port = String(link.port);
    gw = await startGateway(
      { auth: "keys", adminKey: ADMIN_KEY },
      { database: { ...database.options, databaseUrl: throughLink.toString(), queryTimeoutMs: 1_000 }, store: { probeIntervalMs: 200, keyRefreshMs: 200 } },
    );
  }, 60_000);
  afterAll(async () => {
    link?.restore();
    await gw?.close();
    await link?.close();
    await database?.dispose();
  });

  const chat = (key: string) => gw.post("/v1/chat/completions", chatBody("hello"), { authorization: `Bearer ${key}` });
  /** The answer's status, or "unanswered" when none came within the bound. */
  const statusWithin = (key: string) =>
    Promise.race([chat(key).then((answer) => answer.status), new Promise<"unanswered">((resolve) => setTimeout(() => resolve("unanswered"), SILENCE_BOUND_MS))]);

  it("answers while the link is silent, and serves from a healthy pool once it is back", async () => {
    const known = await gw.keys.create({ name: "used before" });
    expect((await chat(known.key)).status).toBe(200);
    const recorded = async () => (await gw.usage.report({ groupBy: [] }))[0]?.requests ?? 0;
    await eventually(async () => (await recorded()) === 1, 5_000);

    link.silence();
    let answered: Array<number | "unanswered">;
    try {
      // Queries go out on the link after it went silent: the key's check and refresh, the turn's records.
      answered = await Promise.all([0, 1, 2].map(() => statusWithin(known.key)));
      expect((await gw.app.request("/readyz?store=required")).status).toBe(503);
    } finally {
      link.restore();
    }
    // Served as in any outage (the key was confirmed before it), not held until the link came back.
    expect(answered).toEqual([200, 200, 200]);

    await eventually(async () => (await gw.app.request("/readyz?store=required")).status === 200, 15_000);
    // A key nobody used before needs the database: the pool's connections must work, not wait behind a lost answer.
    const fresh = await gw.keys.create({ name: "after the link is back" });
    for (let i = 0; i < 12; i++) expect(await statusWithin(fresh.key)).toBe(200);
    // Nothing served during the silence is lost: spooled, and written once the link is back.
    await eventually(async () => (await recorded()) === 1 + 3 + 12, 15_000);
  }, 90_000);
});
