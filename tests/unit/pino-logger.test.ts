// The log's second line of defence: a field named like a secret or like
// message text is censored at any depth a record has, in objects and arrays,
// and nothing else in the record changes.
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/pino-logger.js";

function logged(fields: Record<string, unknown>): Record<string, unknown> {
  const lines: string[] = [];
  createLogger("info", (line) => lines.push(line)).info("record", fields);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe("createLogger", () => {
  it("writes one JSON line with the level, message and fields", () => {
    expect(logged({ id: "req_1", status: 200, caller: "key:k1" })).toMatchObject({ level: "info", msg: "record", service: "copilot-gateway", id: "req_1", status: 200, caller: "key:k1" });
  });

  it("censors secret and message fields at the top level and nested, in arrays too", () => {
    const line = logged({
      token: "gho_top",
      request: { headers: { authorization: "Bearer abc", "x-api-key": "k", accept: "*/*" }, messages: [{ content: "hi" }] },
      calls: [{ prompt: "a prompt", name: "lookup" }],
      deep: { a: { b: { apiKey: "sk-deep" } } },
    });
    expect(line.token).toBe("[redacted]");
    expect(line.request).toEqual({ headers: { authorization: "[redacted]", "x-api-key": "[redacted]", accept: "*/*" }, messages: "[redacted]" });
    expect(line.calls).toEqual([{ prompt: "[redacted]", name: "lookup" }]);
    expect(line.deep).toEqual({ a: { b: { apiKey: "[redacted]" } } });
    for (const secret of ["gho_top", "Bearer abc", "a prompt", "sk-deep", "hi"]) expect(JSON.stringify(line)).not.toContain(secret);
  });

  it("leaves the caller's object as it was", () => {
    const fields = { nested: { password: "p" }, list: [{ input: "i" }] };
    logged(fields);
    expect(fields).toEqual({ nested: { password: "p" }, list: [{ input: "i" }] });
  });

  it("writes a self-referencing record without looping", () => {
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    expect(() => logged({ loop })).not.toThrow();
  });
});
