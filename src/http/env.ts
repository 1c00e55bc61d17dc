import type { Caller } from "../access/caller.js";

// The per-request variables the middleware sets for the routes.
export type AppEnv = {
  Variables: {
    requestId: string;
    /** Who is asking, as authentication found; anonymous when the gateway needs no key. */
    caller: Caller;
    /** Set once a turn is admitted: its dialect and served model, for metrics; its log line is written when it ends. */
    turn?: { dialect: string; model: string };
  };
};
