// Kept Responses live in the database, so `previous_response_id`,
// `item_reference` and GET /v1/responses/{id} outlast the gateway that made
// the response: after a restart on the same database, and on another gateway
// process sharing it. On SQLite always; on PostgreSQL when TEST_DATABASE_URL is set.
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/observability/pino-logger.js";
import { ResponseRepository } from "../../src/storage/response-repository.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { createTestDatabase, DATABASE_KINDS } from "../support/databases.js";
import { ScriptedUpstream } from "../support/upstream.js";

type Body = Record<string, any>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function post(gw: TestGateway, body: Body): Promise<Body> {
  const response = await gw.post("/v1/responses", body);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Body;
}

describe.each(DATABASE_KINDS)("kept Responses on %s", (kind) => {
  it("survive a gateway restart: previous_response_id, item_reference and GET still resolve", async () => {
    const target = await createTestDatabase(kind);
    cleanups.push(target.dispose);

    const before = await startGateway({}, { database: target.options });
    cleanups.push(() => before.close());
    const first = await post(before, { model: TEST_MODEL, input: "remember the word heron" });
    await before.close();

    const after = await startGateway({}, { database: target.options });
    cleanups.push(() => after.close());
    const retrieved = await after.app.request(`/v1/responses/${first.id}`);
    expect(retrieved.status).toBe(200);
    expect(((await retrieved.json()) as Body).id).toBe(first.id);

    await post(after, { model: TEST_MODEL, previous_response_id: first.id, input: "which word?" });
    const chained = JSON.stringify(after.upstream.calls.at(-1)!.request.messages);
    expect(chained).toContain("remember the word heron");
    expect(chained).toContain("which word?");

    const message = (first.output as Body[]).find((item) => item.type === "message")!;
    await post(after, { model: TEST_MODEL, input: [{ role: "user", content: "remember the word heron" }, { type: "item_reference", id: message.id }, { role: "user", content: "again?" }] });
    expect(JSON.stringify(after.upstream.calls.at(-1)!.request.messages)).toContain("again?");
  });

  it("chain across two gateway processes sharing the database", async () => {
    const upstream = await new ScriptedUpstream([TEST_MODEL]).start();
    cleanups.push(() => upstream.stop());
    const target = await createTestDatabase(kind);
    cleanups.push(target.dispose);
    const launch = async (): Promise<GatewayProcess> => {
      const gateway = await startGatewayProcess({ upstreamUrl: upstream.baseUrl, database: target.options });
      cleanups.push(() => gateway.close());
      return gateway;
    };
    const [one, two] = await Promise.all([launch(), launch()]);

    const call = async (gateway: GatewayProcess, body: Body): Promise<Body> => {
      const response = await fetch(`${gateway.baseUrl}/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(response.status, await response.clone().text()).toBe(200);
      return (await response.json()) as Body;
    };
    const first = await call(one, { model: TEST_MODEL, input: "the password is swordfish" });
    await call(two, { model: TEST_MODEL, previous_response_id: first.id, input: "what is the password?" });
    const chained = JSON.stringify(upstream.calls.at(-1)!.request.messages);
    expect(chained).toContain("the password is swordfish");
    expect(chained).toContain("what is the password?");
    expect((await fetch(`${two.baseUrl}/responses/${first.id}`)).status).toBe(200);
    // Two gateway processes (and their runtimes) start side by side: ~6 s alone, over 30 s once seen on a fully loaded 2-core machine.
  }, 90_000);
});

describe("a store that fails", () => {
  afterAll(() => vi.restoreAllMocks());

  it("costs the client only the chaining, never the answer: logged, and a later chain is the usual 404", async () => {
    const logged: string[] = [];
    const gw = await startGateway({}, { logger: createLogger("warn", (line) => logged.push(line)) });
    cleanups.push(() => gw.close());
    vi.spyOn(ResponseRepository.prototype, "put").mockRejectedValue(new Error("disk full"));

    const buffered = await post(gw, { model: TEST_MODEL, input: "hello" });
    expect(buffered.status).toBe("completed");
    const streamed = await gw.post("/v1/responses", { model: TEST_MODEL, input: "hello again", stream: true });
    expect(streamed.status).toBe(200);
    const events = await streamed.text();
    expect(events).toContain("event: response.completed");
    expect(events).not.toContain("response.failed");

    expect(logged.filter((line) => line.includes("response not kept") && line.includes("disk full"))).toHaveLength(2);
    const chained = await gw.post("/v1/responses", { model: TEST_MODEL, previous_response_id: buffered.id, input: "and?" });
    expect(chained.status).toBe(404);
    expect(((await chained.json()) as Body).error.code).toBe("previous_response_not_found");
  });
});
