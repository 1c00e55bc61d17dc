// Closing a client's connection from inside the app. A stream can only end or
// fail, and either waits for a client that has stopped reading; the socket
// itself has to go. On @hono/node-server the Node response is c.env.outgoing;
// elsewhere (app.request() in tests, other runtimes) there is no connection to
// drop, and ending the stream is all there is.
import type { Context } from "hono";

interface NodeBindings {
  outgoing?: { destroy?: () => void };
}

export function dropConnection(c: Context): void {
  (c.env as NodeBindings | undefined)?.outgoing?.destroy?.();
}
