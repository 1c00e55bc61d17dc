// What an operator watches: /metrics (Prometheus, through prom-client) moves
// with the traffic, and the log is one JSON line per request saying how each
// turn went — with no key, token or message text in it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/pino-logger.js";
import { chatBody, startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { echoResponder } from "../support/upstream.js";

/** The value of one sample in Prometheus' text format; 0 when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).match(/^\{(.*)\}/)?.[1] ?? "";
    const present = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(line.split(" ").at(-1));
  }
  return 0;
}

describe("metrics and logs on an open gateway", () => {
  let gw: TestGateway;
  const lines: string[] = [];
  beforeAll(async () => {
    gw = await startGateway({}, { logger: createLogger("info", (line) => lines.push(line)) });
  });
  afterAll(() => gw.close());
  const scrape = async () => {
    const response = await gw.app.request("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  it("counts requests, turns, tokens and time to first output, and the numbers move", async () => {
    const before = await scrape();
    const chat = { route: "/v1/chat/completions", dialect: "chat_completions", model: TEST_MODEL, status: "200" };
    expect((await gw.post("/v1/chat/completions", chatBody("one"))).status).toBe(200);
    await (await gw.post("/v1/chat/completions", chatBody("two", { stream: true }))).text();
    expect((await gw.post("/v1/chat/completions", chatBody("three", { model: "no-such-model" }))).status).toBe(404);
    const after = await scrape();
    expect(sample(after, "copilot_gateway_requests_total", chat) - sample(before, "copilot_gateway_requests_total", chat)).toBe(2);
    expect(sample(after, "copilot_gateway_requests_total", { route: "/v1/chat/completions", status: "404" })).toBeGreaterThanOrEqual(1);
    // The echo script reports 11 prompt and 7 completion tokens a call.
    const input = { model: TEST_MODEL, kind: "input" };
    expect(sample(after, "copilot_gateway_tokens_total", input) - sample(before, "copilot_gateway_tokens_total", input)).toBe(22);
    const ttftCount = { dialect: "chat_completions", model: TEST_MODEL };
    expect(sample(after, "copilot_gateway_time_to_first_output_seconds_count", ttftCount) - sample(before, "copilot_gateway_time_to_first_output_seconds_count", ttftCount)).toBe(2);
    // The first opened its session; the second took the one opened ahead for the same configuration.
    const opened = (origin: string) => sample(after, "copilot_gateway_turns_total", { dialect: "chat_completions", outcome: "ok", origin });
    expect(opened("new")).toBeGreaterThanOrEqual(1);
    expect(opened("new") + opened("warm")).toBeGreaterThanOrEqual(2);
    expect(sample(after, "copilot_gateway_sessions", { state: "suspended" }) + sample(after, "copilot_gateway_sessions", { state: "live" })).toBeGreaterThanOrEqual(2);
    expect(sample(after, "copilot_gateway_streams_in_flight")).toBe(0);
    expect(sample(after, "copilot_gateway_queue_length")).toBe(0);
    expect(after).toContain("copilot_gateway_process_resident_memory_bytes");
  });

  it("counts upstream failures by the status the client got", async () => {
    const before = sample(await scrape(), "copilot_gateway_upstream_failures_total", { status: "502" });
    gw.upstream.respond(() => ({ status: 500, body: { error: { message: "boom" } } }));
    try {
      expect((await gw.post("/v1/chat/completions", chatBody("fail"))).status).toBe(502);
    } finally {
      gw.upstream.respond(echoResponder);
    }
    expect(sample(await scrape(), "copilot_gateway_upstream_failures_total", { status: "502" }) - before).toBe(1);
  });

  it("writes one JSON line per request, a turn's saying how it went, and nothing secret", async () => {
    lines.length = 0;
    const response = await gw.post("/v1/chat/completions", chatBody("a private question about payroll"));
    expect(response.status).toBe(200);
    await gw.app.request("/healthz");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = records.filter((record) => record.msg === "request");
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({
      level: "info",
      id: response.headers.get("x-request-id"),
      method: "POST",
      path: "/v1/chat/completions",
      status: 200,
      dialect: "chat_completions",
      model: TEST_MODEL,
      caller: "anonymous",
      outcome: "ok",
      input_tokens: 11,
      output_tokens: 7,
      runtime: "embedded",
    });
    expect(["new", "warm"]).toContain(requests[0]!.origin);
    expect(typeof requests[0]!.ttft_ms).toBe("number");
    expect(requests[1]).toMatchObject({ path: "/healthz", status: 200 });
    const all = lines.join("\n");
    for (const secret of ["payroll", "upstream-secret-key"]) expect(all).not.toContain(secret);
  });
});

describe("metrics on a gateway with keys", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ auth: "keys", apiKeys: ["client-key"], adminKey: "admin-key" });
  });
  afterAll(() => gw.close());

  it("are an operator's: the admin key opens them, a client key does not", async () => {
    expect((await gw.app.request("/metrics")).status).toBe(401);
    expect((await gw.app.request("/metrics", { headers: { authorization: "Bearer client-key" } })).status).toBe(401);
    const scraped = await gw.app.request("/metrics", { headers: { authorization: "Bearer admin-key" } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("copilot_gateway_requests_total");
  });
});
