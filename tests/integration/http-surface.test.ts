// The HTTP surface around the turns: auth, CORS, models, health, and the
// OpenAI error shape for everything that is not a successful completion.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

describe("without API keys or CORS origins (the defaults)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ bodyLimitBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await gw.close();
  });

  it("lists models in the OpenAI format, with and without /v1", async () => {
    for (const path of ["/v1/models", "/models", "/v1/models/"]) {
      const response = await gw.app.request(path);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { object: string; data: Array<Record<string, unknown>> };
      expect(body.object).toBe("list");
      expect(body.data.map((m) => m.id)).toEqual([TEST_MODEL, "other-model"]);
      expect(body.data[0]).toEqual({
        id: TEST_MODEL,
        object: "model",
        created: expect.any(Number),
        owned_by: "scripted",
        // Anthropic's model-list fields, for the Anthropic SDK and Claude Code's discovery.
        type: "model",
        display_name: TEST_MODEL,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(body).toMatchObject({ has_more: false, first_id: TEST_MODEL, last_id: "other-model" });
      expect(Number.isInteger(body.data[0]!.created)).toBe(true);
    }
  });

  it("returns one model, or 404 model_not_found", async () => {
    expect(((await (await gw.app.request(`/v1/models/${TEST_MODEL}`)).json()) as { id: string }).id).toBe(TEST_MODEL);
    const missing = await gw.app.request("/v1/models/nope");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as ErrorBody).error).toMatchObject({ code: "model_not_found", param: "model" });
  });

  it("answers an unknown model with 404 model_not_found before any session is made", async () => {
    const response = await gw.post("/v1/chat/completions", { model: "gpt-nope", messages: [{ role: "user", content: "hi" }] });
    expect(response.status).toBe(404);
    const body = (await response.json()) as ErrorBody;
    expect(body.error).toEqual({ message: expect.stringContaining("gpt-nope"), type: "invalid_request_error", param: "model", code: "model_not_found" });
  });

  it("serves /chat/completions without the /v1 prefix and with a trailing slash", async () => {
    for (const path of ["/chat/completions", "/v1/chat/completions/"]) {
      expect((await gw.post(path, chatBody("hi"))).status).toBe(200);
    }
  });

  it("answers malformed JSON, a missing content type and bad fields with clear 400s", async () => {
    const malformed = await gw.post("/v1/chat/completions", '{"model": "x", "messages": [');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorBody).error).toMatchObject({ type: "invalid_request_error", code: "invalid_json" });

    const untyped = await gw.app.request("/v1/chat/completions", { method: "POST", body: JSON.stringify(chatBody("hi")) });
    expect(untyped.status).toBe(400);
    expect(((await untyped.json()) as ErrorBody).error.message).toMatch(/Content-Type/);

    // A "simple" request a web page could send without a CORS preflight.
    const sneaky = await gw.app.request("/v1/chat/completions", { method: "POST", headers: { "content-type": "text/plain; x=json" }, body: JSON.stringify(chatBody("hi")) });
    expect(sneaky.status).toBe(400);

    const noMessages = await gw.post("/v1/chat/completions", { model: TEST_MODEL });
    expect(noMessages.status).toBe(400);
    expect(((await noMessages.json()) as ErrorBody).error.param).toBe("messages");

    const twoChoices = await gw.post("/v1/chat/completions", chatBody("hi", { n: 3 }));
    expect(twoChoices.status).toBe(400);
    expect(((await twoChoices.json()) as ErrorBody).error).toMatchObject({ param: "n", code: "unsupported_value" });

    const hot = await gw.post("/v1/chat/completions", chatBody("hi", { temperature: 7 }));
    expect(hot.status).toBe(400);
    expect(((await hot.json()) as ErrorBody).error.param).toBe("temperature");
  });

  it("accepts unknown fields and headers", async () => {
    const response = await gw.post(
      "/v1/chat/completions",
      chatBody("hi", { store: true, metadata: { a: "b" }, service_tier: "auto", stream_options: { include_obfuscation: false }, prompt_cache_key: "k" }),
      { "OpenAI-Organization": "org", "x-stainless-retry-count": "0", "anthropic-beta": "whatever" },
    );
    expect(response.status).toBe(200);
  });

  it("answers a body over the limit with 413 in the OpenAI shape", async () => {
    const response = await gw.post("/v1/chat/completions", chatBody("x".repeat(100 * 1024)));
    expect(response.status).toBe(413);
    expect(((await response.json()) as ErrorBody).error).toMatchObject({ type: "invalid_request_error", code: "request_too_large" });
  });

  it("answers unknown routes with a JSON 404", async () => {
    for (const [method, path] of [["POST", "/v1/completions"], ["POST", "/v1/embeddings"], ["GET", "/v1/chat/completions"]] as const) {
      const response = await gw.app.request(path, { method });
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/application\/json/);
      expect(((await response.json()) as ErrorBody).error.message).toBe(`Invalid URL (${method} ${path})`);
    }
  });

  it("reports health and readiness", async () => {
    expect(await (await gw.app.request("/healthz")).json()).toEqual({ status: "ok" });
    const ready = await gw.app.request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", runtime: "embedded", store: { kind: "sqlite", status: "available", spooled_records: 0 } });
    expect((await gw.app.request("/readyz?store=ignore")).status).toBe(200);
    const unknownChoice = await gw.app.request("/readyz?store=maybe");
    expect(unknownChoice.status).toBe(400);
    expect((await unknownChoice.json()).error.param).toBe("store");
  });

  it("sends no CORS headers: a web page cannot spend the licence of an open local gateway", async () => {
    const preflight = await gw.app.request("/v1/chat/completions", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("never leaks the provider key in any response", async () => {
    const responses = await Promise.all([gw.app.request("/v1/models"), gw.app.request("/readyz"), gw.post("/v1/chat/completions", chatBody("hi"))]);
    for (const response of responses) expect(await response.text()).not.toContain("upstream-secret-key");
  });
});

describe("a keyless gateway on loopback", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ loopbackHostsOnly: true });
  });
  afterAll(async () => {
    await gw.close();
  });

  it("answers only requests addressed to a loopback host name (no DNS rebinding)", async () => {
    const rebound = await gw.app.request("http://evil.example/v1/models");
    expect(rebound.status).toBe(403);
    expect(((await rebound.json()) as ErrorBody).error.code).toBe("host_not_allowed");
    const anthropic = await gw.app.request("http://evil.example/v1/messages", { method: "POST" });
    expect(anthropic.status).toBe(403);
    expect(await anthropic.json()).toMatchObject({ type: "error", error: { type: "permission_error" } });
    for (const host of ["localhost:3000", "127.0.0.1:3000", "[::1]:3000"]) {
      expect((await gw.app.request("/v1/models", { headers: { host } })).status).toBe(200);
    }
  });
});

describe("with API keys and CORS", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ apiKeys: ["key-one", "key-two"], corsOrigins: ["*"] });
  });
  afterAll(async () => {
    await gw.close();
  });

  it("rejects a missing or wrong key with 401 invalid_api_key", async () => {
    const missing = await gw.post("/v1/chat/completions", chatBody("hi"));
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as ErrorBody).error).toMatchObject({ code: "invalid_api_key" });
    const wrong = await gw.post("/v1/chat/completions", chatBody("hi"), { authorization: "Bearer key-three" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("x-should-retry")).toBe("false");
    expect((await gw.app.request("/v1/models")).status).toBe(401);
  });

  it("accepts a key from Authorization: Bearer, x-api-key or api-key", async () => {
    const variants: Array<Record<string, string>> = [{ authorization: "Bearer key-one" }, { "x-api-key": "key-two" }, { "api-key": "key-one" }];
    for (const headers of variants) {
      expect((await gw.post("/v1/chat/completions", chatBody("hi"), headers)).status).toBe(200);
    }
  });

  it("leaves health checks open", async () => {
    expect((await gw.app.request("/healthz")).status).toBe(200);
  });

  it("answers a browser preflight with the methods and the requested headers", async () => {
    const preflight = await gw.app.request("/v1/chat/completions", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, x-stainless-retry-count, x-stainless-timeout",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    // PATCH and DELETE: the admin API (keys) from a browser page.
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET,POST,PATCH,DELETE,OPTIONS");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("x-stainless-retry-count");
  });

  it("keeps every answer out of caches and type sniffing: JSON, errors, streams", async () => {
    const answers = [
      await gw.post("/v1/chat/completions", chatBody("hi"), { authorization: "Bearer key-one" }),
      await gw.post("/v1/chat/completions", chatBody("hi"), { authorization: "Bearer key-three" }),
      await gw.post("/v1/chat/completions", chatBody("hi", { stream: true }), { authorization: "Bearer key-one" }),
      await gw.app.request("/healthz"),
    ];
    for (const answer of answers) {
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      await answer.body?.cancel();
    }
  });

  it("answers no admin preflight for an origin that '*' stands for", async () => {
    const preflight = await gw.app.request("/admin/keys", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-methods")).toBeNull();
  });

  it("exposes retry and request-id headers to browsers", async () => {
    const response = await gw.post("/v1/chat/completions", chatBody("hi"), { authorization: "Bearer key-one", origin: "https://app.example" });
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const exposed = response.headers.get("access-control-expose-headers") ?? "";
    for (const header of ["retry-after", "retry-after-ms", "x-request-id"]) expect(exposed).toContain(header);
  });
});

describe("with an admin origin named in CORS", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ apiKeys: ["key-one"], adminKey: "admin-secret-key", corsOrigins: ["https://ops.example"] });
  });
  afterAll(async () => {
    await gw.close();
  });

  it("answers the named origin's admin preflight, and no other's", async () => {
    const ask = (origin: string) =>
      gw.app.request("/admin/keys", { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization" } });
    expect((await ask("https://ops.example")).headers.get("access-control-allow-origin")).toBe("https://ops.example");
    expect((await ask("https://other.example")).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("keeps a new key's one-time secret out of every cache", async () => {
    const created = await gw.app.request("/admin/keys", {
      method: "POST",
      headers: { authorization: "Bearer admin-secret-key", "content-type": "application/json" },
      body: JSON.stringify({ name: "ci bot" }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    expect(created.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
