// A runtime that goes away must not take the gateway process with it: the
// rejection vscode-jsonrpc leaves when a request is written to a closed
// connection is logged and let go; any other unhandled rejection still ends
// the process, as Node's default would.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { isWriteToLostRuntime } from "../../src/node/stray-rejections.js";

const run = (mode: string) =>
  spawnSync(process.execPath, ["--import", "tsx", "tests/support/lost-runtime-write.ts", mode], { encoding: "utf8", timeout: 20_000 });

describe("the process guard against stray rejections", () => {
  it("lets a write to a runtime that went away go, with a warning, and the request still fails", () => {
    const child = run("lost-runtime");
    expect(child.stdout).toContain("the request itself failed");
    expect(child.stdout).toMatch(/WARN a write to a Copilot runtime that had gone away failed \{"code":"(ERR_STREAM_DESTROYED|EPIPE|ECONNRESET)"\}/);
    expect(child.stdout).toContain("still serving");
    expect(child.status).toBe(0);
  });

  it("ends the process on any other unhandled rejection", () => {
    const child = run("bug");
    expect(child.stdout).toContain("ERROR unhandled rejection; stopping");
    expect(child.stdout).not.toContain("still serving");
    expect(child.status).not.toBe(0);
  });

  it("tells the two apart by code and by where the write failed", () => {
    const destroyed = Object.assign(new Error("Cannot call write after a stream was destroyed"), { code: "ERR_STREAM_DESTROYED" });
    destroyed.stack = `Error: Cannot call write after a stream was destroyed\n    at node_modules/vscode-jsonrpc/lib/node/ril.js:88:29`;
    expect(isWriteToLostRuntime(destroyed)).toBe(true);
    // vitest hands its error filter a serialized copy.
    expect(isWriteToLostRuntime({ code: "EPIPE", stack: destroyed.stack })).toBe(true);
    expect(isWriteToLostRuntime(Object.assign(new Error("x"), { code: "EPIPE" }))).toBe(false);
    expect(isWriteToLostRuntime({ code: "ENOENT", stack: destroyed.stack })).toBe(false);
    expect(isWriteToLostRuntime("EPIPE")).toBe(false);
  });
});
