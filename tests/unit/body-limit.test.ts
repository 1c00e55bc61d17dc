// The body limit over a real socket, where @hono/node-server reads bodies: a
// declared Content-Length over the limit is refused from the header alone, a
// chunked body is counted as it streams, and a body within the limit is read
// whole either way.
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limitBody } from "../../src/http/body-limit.js";
import type { AppEnv } from "../../src/pipeline/app-env.js";
import { GatewayError } from "../../src/core/gateway-error.js";

const LIMIT = 1024;

function post(port: number, chunks: string[], declareLength: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const length = chunks.reduce((total, chunk) => total + Buffer.byteLength(chunk), 0);
    const sent = request(
      { host: "127.0.0.1", port, method: "POST", path: "/", headers: { "content-type": "text/plain", ...(declareLength ? { "content-length": String(length) } : {}) } },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    // A refused body may be cut off mid-send; the answer still arrives.
    sent.on("error", reject);
    for (const chunk of chunks) sent.write(chunk);
    sent.end();
  });
}

describe("limitBody", () => {
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    const app = new Hono<AppEnv>();
    app.use(
      limitBody(LIMIT, () => {
        throw new GatewayError({ status: 413, code: "request_too_large", message: "too large" });
      }),
    );
    app.post("/", async (c) => c.text(`read ${(await c.req.text()).length}`));
    app.onError((error) => new Response(error instanceof GatewayError ? error.code : "failed", { status: error instanceof GatewayError ? error.status : 500 }));
    server = await new Promise<ServerType>((resolve) => {
      const started: ServerType = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(started));
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("reads a declared body within the limit whole", async () => {
    expect(await post(port, ["x".repeat(LIMIT)], true)).toEqual({ status: 200, body: `read ${LIMIT}` });
  });

  it("refuses a declared Content-Length over the limit", async () => {
    expect(await post(port, ["x".repeat(LIMIT + 1)], true)).toEqual({ status: 413, body: "request_too_large" });
  });

  it("reads a chunked body within the limit whole", async () => {
    expect(await post(port, ["x".repeat(600), "y".repeat(400)], false)).toEqual({ status: 200, body: "read 1000" });
  });

  it("refuses a chunked body once it streams past the limit", async () => {
    expect(await post(port, ["x".repeat(600), "y".repeat(600)], false)).toEqual({ status: 413, body: "request_too_large" });
  });
});
