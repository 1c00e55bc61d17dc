// Requests Node's HTTP parser refuses before any route sees them (a bad
// request line or header, headers over the size limit, a request that took
// too long to arrive) get Node's bare "400 Bad Request" with no body by
// default, which OpenAI and Anthropic SDKs report as an unreadable error. This
// answers them as the gateway answers everything else: JSON in the dialect's
// error shape, with the status Node would have chosen. Node-only, so it lives
// beside the process entry's wiring, not in the app.
import type { Server } from "node:http";
import type { Http2SecureServer, Http2Server } from "node:http2";
import type { Duplex } from "node:stream";

interface ParserError extends Error {
  code?: string;
  /** The bytes the parser had read: enough to tell an Anthropic route by its request line. */
  rawPacket?: Buffer;
}

/** Node's own choice of status for each parser failure (lib/_http_server.js). */
function statusOf(code: string | undefined): { status: number; reason: string; message: string } {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return { status: 431, reason: "Request Header Fields Too Large", message: "The request's headers exceed the server's size limit." };
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return { status: 413, reason: "Payload Too Large", message: "The request's chunk extensions exceed the server's size limit." };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, reason: "Request Timeout", message: "The request was not received in full within the server's time limit." };
    default:
      return { status: 400, reason: "Bad Request", message: "The request is not well-formed HTTP/1.1 and could not be read." };
  }
}

/** A request line naming /messages (Anthropic's route) gets Anthropic's shape; anything else OpenAI's. */
function isAnthropicRoute(raw: Buffer | undefined): boolean {
  if (!raw) return false;
  const line = raw.subarray(0, 2048).toString("latin1").split("\r\n", 1)[0] ?? "";
  return /^\S+\s+\S*\/messages(?:[/?#\s]|$)/.test(line);
}

/** The whole HTTP/1.1 response for a parser failure, and the connection closed after it. */
export function framingErrorResponse(error: ParserError): string {
  const { status, reason, message } = statusOf(error.code);
  const body = isAnthropicRoute(error.rawPacket)
    ? { type: "error", error: { type: status === 413 ? "request_too_large" : "invalid_request_error", message } }
    : { error: { message, type: "invalid_request_error", param: null, code: status === 408 ? "request_timeout" : "malformed_request" } };
  const text = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${reason}\r\n` +
    "Content-Type: application/json\r\n" +
    `Content-Length: ${Buffer.byteLength(text)}\r\n` +
    "Connection: close\r\n" +
    "\r\n" +
    text
  );
}

/**
 * Makes `server` answer malformed requests with a JSON error body and the
 * status Node would use (400, 408, 413, 431) instead of its bare text. A
 * connection reset, or one whose response has begun, is only closed, as Node
 * itself does.
 */
export function answerFramingErrorsAsJson(server: Server | Http2Server | Http2SecureServer): void {
  (server as Server).on("clientError", (error: ParserError, socket: Duplex) => {
    const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || inProgress?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(framingErrorResponse(error));
  });
}
