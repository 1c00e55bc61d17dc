// What the app may do on Node's own request and response, past the Web
// Request/Response of @hono/node-server (each measured at concurrency 1):
// - write a streamed answer straight to the ServerResponse. Behind the
//   adapter, a Response's Web ReadableStream is read chunk by chunk and piped
//   to the socket after the Response has made its way back through every
//   middleware: the first token waited ~0.3 ms for that. The adapter is then
//   told to leave the connection alone;
// - take a request body that has all arrived in one synchronous read, where
//   reading it as a stream costs ~0.15 ms of listeners and ticks.
import { type IncomingMessage, ServerResponse } from "node:http";
import type { Http2Bindings, HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { AppEnv } from "../pipeline/app-env.js";
import type { DirectResponses, FrameSink } from "../pipeline/frame-sink.js";

type Bindings = HttpBindings | Http2Bindings;
type Fetch<Env> = (request: Request, env: Env) => Response | Promise<Response>;

/** Wraps the app's fetch for @hono/node-server's `serve`: on an HTTP/1 connection, the app may use it directly. */
export function withDirectResponses(fetch: Fetch<Bindings & AppEnv["Bindings"]>): Fetch<Bindings> {
  return async (request, env) => {
    if (!(env.outgoing instanceof ServerResponse)) return fetch(request, env);
    const incoming = env.incoming as IncomingMessage;
    const response = await fetch(request, { ...env, directResponses: directResponsesOn(env.outgoing), receivedBody: () => receivedBody(incoming) });
    // The head is on the wire already: node-server must not write this Response's again.
    return env.outgoing.headersSent ? RESPONSE_ALREADY_SENT : response;
  };
}

/** The whole body, if every byte its Content-Length declares is buffered already and unread. */
function receivedBody(incoming: IncomingMessage): Uint8Array | undefined {
  const declared = incoming.headers["content-length"];
  if (declared === undefined || incoming.readableDidRead || incoming.readableLength !== Number(declared)) return undefined;
  return (incoming.read() as Buffer | null) ?? new Uint8Array(0);
}

function directResponsesOn(outgoing: ServerResponse): DirectResponses {
  return {
    start(status, headers) {
      outgoing.writeHead(status, headers);
      return connectionSink(outgoing);
    },
  };
}

function connectionSink(outgoing: ServerResponse): FrameSink {
  return {
    // Past Node's buffer (16 KiB), write() still takes the frame but says to wait for "drain".
    write: (frame) => outgoing.write(frame),
    drained: () =>
      !outgoing.writableNeedDrain || outgoing.destroyed
        ? Promise.resolve()
        : new Promise((resolve) => {
            const done = () => {
              outgoing.off("drain", done);
              outgoing.off("close", done);
              resolve();
            };
            outgoing.on("drain", done);
            outgoing.on("close", done);
          }),
    end(last) {
      if (!outgoing.writableEnded) outgoing.end(last);
    },
    onGone(listener) {
      // "close" also follows a finished answer: only an unfinished one means the client left.
      const closed = () => {
        if (!outgoing.writableFinished) listener();
      };
      if (outgoing.destroyed) queueMicrotask(closed);
      else outgoing.once("close", closed);
    },
  };
}
