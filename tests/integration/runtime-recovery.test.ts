// The embedded runtime is a child process: when it dies, the gateway starts a
// new one on the next request instead of failing until someone restarts it.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chatBody, startGateway, type TestGateway } from "../support/gateway.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

function runtimeChildren(): number[] {
  const out = spawnSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" }).stdout;
  return out
    .split("\n")
    .filter((line) => line.includes("copilot-runtim"))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

it("restarts a runtime that was killed and answers the next request", async () => {
  expect((await gw.post("/v1/chat/completions", chatBody("before"))).status).toBe(200);
  const [pid] = runtimeChildren();
  expect(pid).toBeGreaterThan(0);
  process.kill(pid!, "SIGKILL");
  await new Promise((resolve) => setTimeout(resolve, 200));

  const response = await gw.post("/v1/chat/completions", chatBody("after"));
  expect(response.status).toBe(200);
  expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("echo: after");
  const [newPid] = runtimeChildren();
  expect(newPid).toBeGreaterThan(0);
  expect(newPid).not.toBe(pid);
  expect((await gw.app.request("/readyz")).status).toBe(200);
});
