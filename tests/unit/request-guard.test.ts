// The gateway's own guards, without a runtime: the body walk, the redaction of
// the provider's configuration, and the JSON answer to malformed HTTP.
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import { checkJsonBody, jsonDepth } from "../../src/dialects/shared/request-guard.js";
import { DEFAULT_LIMITS } from "../../src/core/request-limits.js";
import { GatewayError } from "../../src/core/gateway-error.js";
import { answerFramingErrorsAsJson } from "../../src/node/framing-errors.js";
import { forClients, upstreamError } from "../../src/turns/upstream-errors.js";

function thrown(run: () => void): GatewayError {
  try {
    run();
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error("nothing thrown");
}

describe("checkJsonBody", () => {
  test("a lone surrogate in a value or a key is a 400 naming its path", () => {
    expect(thrown(() => checkJsonBody({ messages: [{ content: "a\ud800" }] }, DEFAULT_LIMITS)).param).toBe("messages[0].content");
    expect(thrown(() => checkJsonBody({ tools: [{ "\udfff": 1 }] }, DEFAULT_LIMITS)).param).toBe("tools[0].\ufffd");
    expect(() => checkJsonBody({ text: "😀 paired surrogates are fine" }, DEFAULT_LIMITS)).not.toThrow();
  });
  test("depth is walked without recursion, 100,000 levels included", () => {
    const deep = JSON.parse("[".repeat(100_000) + "]".repeat(100_000)) as unknown;
    const error = thrown(() => checkJsonBody({ metadata: deep }, DEFAULT_LIMITS));
    expect(error.code).toBe("nesting_too_deep");
    expect(error.param!.startsWith("metadata[0][0]")).toBe(true);
    expect(error.param!.length).toBeLessThan(300);
    expect(jsonDepth(deep, 64)).toBe(65);
  });
  test("__proto__ keys are plain data", () => {
    const body = JSON.parse('{"__proto__":{"polluted":true},"a":"b"}') as object;
    expect(() => checkJsonBody(body, DEFAULT_LIMITS)).not.toThrow();
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe("error messages", () => {
  test("do not echo a huge value or a lone surrogate", () => {
    const error = new GatewayError({ status: 404, message: `The model \`${"x".repeat(1_000_000)}\` does not exist.`, param: "p\ud800" });
    expect(error.message.length).toBeLessThan(200);
    expect(error.param).toBe("p\ufffd");
  });
  test("keep the provider's address and settings for the logs only", () => {
    const raw = "Connection refused to http://10.0.0.5:8080/v1/chat/completions. Check the base URL and model name. Check your COPILOT_PROVIDER_API_KEY, COPILOT_PROVIDER_API_KEY_COMMAND, or COPILOT_PROVIDER_BEARER_TOKEN.";
    expect(forClients(raw)).toBe("Connection refused to the model provider.");
    const error = upstreamError({ statusCode: 401, message: raw });
    expect(error.message).not.toMatch(/10\.0\.0\.5|COPILOT_|base URL/);
    expect(error.detail).toBe(raw);
  });
});

describe("answerFramingErrorsAsJson", () => {
  async function rawExchange(request: string): Promise<string> {
    const server: ServerType = await new Promise((resolve) => {
      const started: ServerType = serve({ fetch: new Hono().get("/", (c) => c.text("ok")).fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(started));
    });
    answerFramingErrorsAsJson(server);
    const { port } = server.address() as AddressInfo;
    try {
      return await new Promise<string>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () => socket.end(request));
        let answer = "";
        socket.on("data", (chunk) => (answer += chunk.toString("latin1")));
        socket.on("close", () => resolve(answer));
        socket.on("error", reject);
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  test.each([
    ["a bad request line", "NOT HTTP AT ALL\r\n\r\n", 400],
    ["a bad header", "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n", 400],
    ["headers over the limit", `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431],
    ["a bad chunk", "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400],
  ])("%s gets JSON with status %s", async (_what, request, status) => {
    const answer = await rawExchange(request);
    expect(answer.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    expect(answer).toMatch(/content-type: application\/json/i);
    const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as { error: { message: string; type: string } };
    expect(body.error.type).toBe("invalid_request_error");
  });

  test("an Anthropic route gets Anthropic's shape", async () => {
    const answer = await rawExchange("POST /v1/messages HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n");
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });
});
