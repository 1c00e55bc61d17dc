// Health check for the headless Copilot runtime: opens a TCP connection to it
// and makes the JSON-RPC `connect` handshake the SDK makes (with
// COPILOT_CONNECTION_TOKEN when the runtime was started with one), so it
// passes only when the runtime accepts clients — a listening socket alone is
// not enough. Usage: node healthcheck.mjs [port] [host]; exit 0 = healthy.
// Dependency-free on purpose: the image holds node and the CLI, nothing else.
import { connect } from "node:net";

const port = Number(process.argv[2] ?? 4321);
const host = process.argv[3] ?? "127.0.0.1";
const token = process.env.COPILOT_CONNECTION_TOKEN || undefined;

const fail = (why) => {
  process.stderr.write(`runtime unhealthy: ${why}\n`);
  process.exit(1);
};
setTimeout(() => fail(`no answer from ${host}:${port} within 4 s`), 4_000).unref();

const socket = connect(port, host);
socket.on("error", (error) => fail(error.message));
socket.on("connect", () => {
  // LSP-style framing (Content-Length header, blank line, JSON body), as the SDK's vscode-jsonrpc writes it.
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "connect", params: token ? { token } : {} });
  socket.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
});

let buffer = Buffer.alloc(0);
socket.on("data", (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  // Frames until the answer to id 1: the runtime may send notifications first.
  for (;;) {
    const headerEnd = buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0) return;
    const length = Number(/content-length:\s*(\d+)/i.exec(buffer.subarray(0, headerEnd).toString())?.[1]);
    if (!Number.isFinite(length)) fail("a frame without Content-Length");
    if (buffer.length < headerEnd + 4 + length) return;
    const message = JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString());
    buffer = buffer.subarray(headerEnd + 4 + length);
    if (message.id !== 1) continue;
    if (message.error) fail(`connect refused: ${message.error.message ?? JSON.stringify(message.error)}`);
    if (message.result?.ok !== true) fail(`unexpected answer ${JSON.stringify(message.result)}`);
    process.stdout.write(`runtime ${message.result.version ?? "?"} healthy (protocol ${message.result.protocolVersion ?? "?"})\n`);
    socket.end();
    process.exit(0);
  }
});
