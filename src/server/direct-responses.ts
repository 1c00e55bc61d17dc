// Streamed answers written straight to Node's ServerResponse. Behind
// @hono/node-server, a Response's Web ReadableStream is read chunk by chunk
// and piped to the socket, after the handler's Response has made its way back
// through every middleware: the first token waited about 0.35 ms for that at
// concurrency 1 (issue 11 part 4). The app writes to the connection itself
// when the adapter offers it (DirectResponses, src/http/frame-sink.ts), and
// the adapter is then told to leave the connection alone.
import { ServerResponse } from "node:http";
import type { Http2Bindings, HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { DirectResponses, FrameSink } from "../http/frame-sink.js";

type Bindings = HttpBindings | Http2Bindings;
type Fetch<Env> = (request: Request, env: Env) => Response | Promise<Response>;

/** Wraps the app's fetch for @hono/node-server's `serve`: the app may answer a stream on an HTTP/1 connection itself. */
export function withDirectResponses(fetch: Fetch<Bindings & { directResponses?: DirectResponses }>): Fetch<Bindings> {
  return async (request, env) => {
    if (!(env.outgoing instanceof ServerResponse)) return fetch(request, env);
    const response = await fetch(request, { ...env, directResponses: directResponsesOn(env.outgoing) });
    // The head is on the wire already: node-server must not write this Response's again.
    return env.outgoing.headersSent ? RESPONSE_ALREADY_SENT : response;
  };
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
