// SQLite on a disk that fills up under a running gateway: a 2 MB tmpfs holds
// the data directory (the database and the spool), a file fills it, and then
// it is freed. While it is full, SQLite still reads but refuses every write:
// the first refused write marks the store out, a key nobody used gets the 503,
// a key used before is served, /readyz drains the replica by default (the
// store is the process's own), and records, which the full disk refuses too,
// are held in memory, counted and logged at error. Freed, the gateway finds
// out by itself (its probe writes) and writes them: one record per turn.
// Needs root for the mount; skipped, saying so, without it.
import { mkdtemp, open, rm, rmdir } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../../src/core/logger.js";
import { chatBody, startGateway, type TestGateway } from "../support/gateway.js";
import { eventually, sampleValue } from "../support/wait-for.js";

const STATIC_KEY = "static-key-for-tests";
const ADMIN_KEY = "admin-key-for-the-full-disk-test";
const notRoot = userInfo().uid !== 0 ? "mounting a tmpfs needs root" : undefined;

describe.skipIf(notRoot !== undefined)(notRoot ? `SQLite on a full disk (skipped: ${notRoot})` : "SQLite on a disk that fills up under a running gateway", () => {
  let mountPoint: string;
  let mounted = false;
  let gw: TestGateway;
  const errors: string[] = [];
  const logger: Logger = { error: (message) => errors.push(message), warn: () => {}, info: () => {}, debug: () => {} };

  beforeAll(async () => {
    mountPoint = await mkdtemp(join(tmpdir(), "cgw-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint]);
    mounted = true;
    gw = await startGateway({ auth: "keys", apiKeys: [STATIC_KEY], adminKey: ADMIN_KEY }, { database: { dataDir: mountPoint }, store: { probeIntervalMs: 200 }, logger });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    if (mounted) execFileSync("umount", [mountPoint]);
    if (mountPoint) await rmdir(mountPoint);
  });

  let served = 0;
  const chat = async (key: string) => {
    const response = await gw.post("/v1/chat/completions", chatBody("hello"), { authorization: `Bearer ${key}` });
    if (response.status === 200) served++;
    return response;
  };
  const recorded = async () => (await gw.usage.report({ groupBy: [] }))[0]?.requests ?? 0;
  const metric = async (sample: RegExp) => sampleValue(await (await gw.app.request("/metrics", { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text(), sample);

  it("answers with 503s and holds records in memory while the disk is full, and writes them when it is freed", async () => {
    const used = await gw.keys.create({ name: "used before" });
    const unknown = await gw.keys.create({ name: "never used here" });
    expect((await chat(used.key)).status).toBe(200);
    await eventually(async () => (await recorded()) === served, 5_000);

    const filler = join(mountPoint, "filler");
    const file = await open(filler, "w");
    const block = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) await file.write(block);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
    } finally {
      await file.close();
    }

    // The first turn after is served; its record is the write that finds the disk full.
    expect((await chat(STATIC_KEY)).status).toBe(200);
    await eventually(async () => (await gw.app.request("/readyz")).status === 503, 5_000);
    const refused = await chat(unknown.key);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect((await refused.json()).error.code).toBe("store_unavailable");
    expect((await chat(used.key)).status).toBe(200);
    expect((await chat(STATIC_KEY)).status).toBe(200);
    const ready = await gw.app.request("/readyz");
    expect((await ready.json()).error.code).toBe("store_unavailable");
    const ignoring = await gw.app.request("/readyz?store=ignore");
    expect(ignoring.status).toBe(200);
    expect((await ignoring.json()).store).toMatchObject({ kind: "sqlite", status: "unavailable", spooled_records: 3 });
    await eventually(async () => (await metric(/^copilot_gateway_records_spooled_total\{kind="usage",where="memory"\}/)) === 3, 3_000);
    expect(errors).toContain("records not spooled to disk: held in memory until the database returns, lost if the process stops first");

    await rm(filler);
    await eventually(async () => (await gw.app.request("/readyz")).status === 200, 10_000);
    await eventually(async () => gw.stores.spool.size === 0, 10_000);
    expect(await recorded()).toBe(served);
    expect((await chat(unknown.key)).status).toBe(200);
    await eventually(async () => (await recorded()) === served, 5_000);
    expect(await metric(/^copilot_gateway_records_lost_total/)).toBeNaN();
  }, 60_000);
});
