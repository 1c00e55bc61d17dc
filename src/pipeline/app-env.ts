import type { AdminActor } from "../access/admin-audit.js";
import type { Caller } from "../access/caller.js";
import type { DirectResponses } from "./frame-sink.js";

export type AppEnv = {
  // What the server adapter passes; nothing when the app is called through app.request().
  Bindings: {
    /** Streamed answers written straight to the connection (src/node/direct-responses.ts, on Node). */
    directResponses?: DirectResponses;
    /** The request's body when all of it has arrived and nothing has read it yet; undefined otherwise. */
    receivedBody?: () => Uint8Array | undefined;
  };
  // The per-request variables the middleware sets for the routes.
  Variables: {
    requestId: string;
    /** Who is asking, as authentication found; anonymous when the gateway needs no key. */
    caller: Caller;
    /** Set once a turn is admitted: its dialect and served model, for metrics; its log line is written when it ends. */
    turn?: { dialect: string; model: string };
    /** On /admin: who the admin request is from, once admitted (the admin key, or a signed-in admin); every change it makes is audited under it. */
    adminActor?: AdminActor;
  };
};
