// No usage lost through a database outage and gateway restarts in the middle
// of it: real gateway processes on one data directory and a PostgreSQL
// server of the test's own. Turns are served before the outage, during it,
// across a clean stop (SIGTERM) and a start while the database is still out,
// and across a crash (SIGKILL) and another start; when the database returns,
// the last process writes every spooled record — its own, the stopped one's
// and the crashed one's. The database then holds exactly one record for each
// turn served, by request id, and the spool is empty.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, TEST_MODEL } from "../support/gateway.js";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { postgresBinaries, startPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.js";
import { ScriptedUpstream } from "../support/upstream.js";
import { eventually, sampleValue } from "../support/wait-for.js";

const STATIC_KEY = "static-key-for-tests";
const ADMIN_KEY = "admin-key-for-the-restart-test";
const binaries = postgresBinaries();
const missing = "missing" in binaries ? binaries.missing : undefined;

describe.skipIf(missing !== undefined)(missing ? `usage through an outage and restarts (skipped: ${missing})` : "usage through a PostgreSQL outage and gateway restarts in the middle of it", () => {
  let upstream: ScriptedUpstream;
  let server: PrivatePostgres;
  let dataDir: string;
  const processes: GatewayProcess[] = [];
  const servedRequestIds: string[] = [];

  beforeAll(async () => {
    upstream = await new ScriptedUpstream([TEST_MODEL]).start();
    server = await startPrivatePostgres();
    dataDir = await mkdtemp(join(tmpdir(), "cgw-restarts-"));
  });
  afterAll(async () => {
    for (const gateway of processes) await gateway.close();
    await upstream?.stop();
    server?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const launch = async () => {
    const gateway = await startGatewayProcess({
      upstreamUrl: upstream.baseUrl,
      database: { dataDir, databaseUrl: server.url },
      // The shared data directory (the spool lives there), not one of the process's own.
      env: { COPILOT_GATEWAY_DATA_DIR: dataDir, GATEWAY_API_KEYS: STATIC_KEY, GATEWAY_ADMIN_KEY: ADMIN_KEY },
    });
    processes.push(gateway);
    return gateway;
  };
  const serve = async (gateway: GatewayProcess, turns: number) => {
    for (let turn = 0; turn < turns; turn++) {
      const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${STATIC_KEY}` },
        body: JSON.stringify(chatBody(`turn ${servedRequestIds.length}`)),
      });
      expect(response.status).toBe(200);
      await response.json();
      servedRequestIds.push(response.headers.get("x-request-id")!);
    }
  };
  const metric = async (gateway: GatewayProcess, sample: RegExp) => sampleValue(await (await fetch(`${gateway.origin}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text(), sample);
  const spooledOnDisk = (gateway: GatewayProcess, records: number) => eventually(async () => (await metric(gateway, /^copilot_gateway_records_spooled_total\{kind="usage",where="disk"\}/)) === records, 5_000);
  const recordedIds = async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      return (await client.query<{ request_id: string }>("select request_id from usage_records")).rows.map((row) => row.request_id);
    } finally {
      await client.end();
    }
  };

  it("writes one record for every turn served, once the database is back", async () => {
    const first = await launch();
    await serve(first, 3);
    await eventually(async () => (await recordedIds()).length === 3, 5_000);

    server.stop();
    await serve(first, 4);
    await spooledOnDisk(first, 4);
    const ready = await (await fetch(`${first.origin}/readyz`)).json();
    expect(ready.store).toMatchObject({ kind: "postgres", status: "unavailable", spooled_records: 4 });
    await first.close();
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toMatch(/records stay spooled until a gateway on this data directory writes them/);

    // A start while the database is still out: it starts, says so, and serves.
    const second = await launch();
    expect(second.stderr()).toMatch(/the database is unavailable at start/);
    expect((await fetch(`${second.origin}/readyz?store=required`)).status).toBe(503);
    await serve(second, 5);
    await spooledOnDisk(second, 5);
    // A crash: its spool segment stays behind, owned by a process that is gone.
    second.child.kill("SIGKILL");
    await second.exited;

    const third = await launch();
    await serve(third, 2);
    await spooledOnDisk(third, 2);
    expect((await readdir(join(dataDir, "spool"))).length).toBeGreaterThanOrEqual(2);

    server.start();
    await eventually(async () => (await recordedIds()).length >= servedRequestIds.length && (await readdir(join(dataDir, "spool"))).length === 0, 20_000);
    const recorded = await recordedIds();
    expect(recorded.sort()).toEqual([...servedRequestIds].sort());
    expect(new Set(recorded).size).toBe(recorded.length);
    expect(await metric(third, /^copilot_gateway_spooled_records_written_total\{kind="usage"\}/)).toBe(4 + 5 + 2);
    expect((await fetch(`${third.origin}/readyz?store=required`)).status).toBe(200);
    for (const gateway of processes) expect(gateway.stderr()).not.toContain(STATIC_KEY);
    console.log(`restarts: ${servedRequestIds.length} turns served across 3 processes (4 + 5 + 2 while PostgreSQL was down), ${recorded.length} records written`);
  }, 180_000);
});
