// The per-request variables the middleware sets for the routes.
export type AppEnv = {
  Variables: {
    requestId: string;
    /** The API key the caller presented; absent when the gateway needs none. */
    callerKey?: string;
  };
};
