// A full disk under the runtime's data directory is the gateway's own
// trouble, not the model provider's: a 503 `storage_unavailable` that names
// no path, and serving goes on once there is room again. The data directory
// is a small tmpfs of the test's own (mounting needs root; skipped without).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, startGateway, type TestGateway } from "../support/gateway.js";

const dataDir = mkdtempSync(join(tmpdir(), "cgw-full-disk-"));
const databaseDir = mkdtempSync(join(tmpdir(), "cgw-full-disk-db-"));
const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=48m", "tmpfs", dataDir]).status === 0;
const FILLER = join(dataDir, "filler");

function fill(): void {
  // dd stops at the end of the space, with an error: that is the point.
  spawnSync("dd", ["if=/dev/zero", `of=${FILLER}`, "bs=1M"], { stdio: "ignore" });
}

describe.skipIf(!mounted)("a full disk under the data directory", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({}, { dataDir, database: { dataDir: databaseDir } });
  });
  afterAll(async () => {
    await gw?.close();
    spawnSync("umount", [dataDir]);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(databaseDir, { recursive: true, force: true });
  });

  it("is a 503 storage_unavailable naming no path, never an upstream failure; serving resumes once there is room", async () => {
    expect((await gw.post("/v1/chat/completions", chatBody("before the disk fills"))).status).toBe(200);
    fill();
    const failed = await gw.post("/v1/chat/completions", chatBody("while the disk is full"));
    const body = (await failed.json()) as { error: { code: string; message: string } };
    expect(failed.status).toBe(503);
    expect(body.error.code).toBe("storage_unavailable");
    expect(body.error.message).not.toContain(dataDir);
    expect(failed.headers.get("retry-after")).not.toBeNull();
    rmSync(FILLER);
    expect((await gw.post("/v1/chat/completions", chatBody("after there is room again"))).status).toBe(200);
  });
});
