// The layer order of src/, top to bottom: a folder may import the folders
// below it, never one above it or beside it (one row is one layer). This list
// is the rule the import-graph check enforces (layer-order.test.ts) and the
// map docs/architecture.md explains.

export interface Layer {
  /** Folders under src/ (or a file directly in it). */
  folders: string[];
  /** What lives there, in one line. */
  holds: string;
}

export const LAYERS: readonly Layer[] = [
  { folders: ["main.ts", "node", "cli"], holds: "the process entry: config → stores → runtimes → serve → drain; Node-only server code; the operator's CLI" },
  { folders: ["config"], holds: "flags and environment variables → one typed Config, and the start-up text" },
  { folders: ["storage"], holds: "SQLite and PostgreSQL behind the stores' ports: one typed query layer (Kysely) and migrations" },
  { folders: ["http"], holds: "the Hono app: request line, auth, body limit, CORS, the routes of every dialect, health, models, admin, metrics, console" },
  { folders: ["pipeline"], holds: "one request's spine from a parsed request to the bytes written: admission, the conversation service call, commit hold, SSE pump, in-flight tracking" },
  { folders: ["observability"], holds: "what the gateway counts and logs through: the metrics port, and the pino and Prometheus implementations" },
  { folders: ["dialects"], holds: "one folder per wire protocol (openai-chat, responses, anthropic): parse a request into a TurnRequest, encode TurnEvents; pure" },
  { folders: ["sessions"], holds: "where a turn's session comes from: continued, forked, warm, seeded from history, or new (the ledger, fingerprints, the model catalogue)" },
  { folders: ["turns"], holds: "one exchange on the session it is handed: send, the runtime's events as TurnEvents, client tool calls, abort, deadlines, usage" },
  { folders: ["runtime"], holds: "the Copilot runtimes (embedded or --headless): the pool, supervision, recycling, the BYOK relay" },
  { folders: ["access"], holds: "who is calling and what they may spend: callers, virtual keys, the turn gate and slots, usage records" },
  { folders: ["core"], holds: "what every layer speaks: the gateway's error, the logger port, the turn vocabulary, request limits, model aliases" },
];
