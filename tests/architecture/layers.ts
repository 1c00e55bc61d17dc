// The layer order of src/, top to bottom: a folder may import the folders
// below it, never one above it or beside it (one row is one layer). This list
// is the rule the import-graph check enforces (layer-order.test.ts), the
// source of each folder's one-line README, and the map docs/architecture.md
// explains.

export interface Layer {
  /** Folders under src/ (or a file directly in it), each with what lives there, in one line. */
  folders: Record<string, string>;
}

export const LAYERS: readonly Layer[] = [
  {
    folders: {
      "main.ts": "the process entry: config → stores → runtimes → serve → drain on SIGTERM",
      node: "Node-only server code the entry wires in: direct socket writes, framing errors, stray rejections, the console's files, GitHub user and team lookups and the company's GitHub App (sign-in), the operator's MCP file and agents directory (reloaded on SIGHUP)",
      cli: "the CLI: the operator's `copilot-gateway keys|usage|tool-calls|audit|people` on the database, and a person's `login` and `setup <tool>`",
    },
  },
  { folders: { config: "flags and environment variables → one typed Config, and the start-up text" } },
  { folders: { storage: "SQLite and PostgreSQL behind the stores' ports: one typed query layer (Kysely) and migrations" } },
  { folders: { http: "the Hono app: request line, auth, body limit, CORS, the routes of every dialect, health, models, admin, metrics, console" } },
  { folders: { pipeline: "one request's spine from a parsed request to the bytes written: admission, the conversation service call, commit hold, SSE pump, in-flight tracking" } },
  { folders: { observability: "what the gateway counts and logs through: the metrics port, and the pino and Prometheus implementations" } },
  { folders: { dialects: "one folder per wire protocol (openai-chat, responses, anthropic): parse a request into a TurnRequest, encode TurnEvents; pure" } },
  { folders: { sessions: "where a turn's session comes from: continued, rewound, recycled, warm, seeded from history, or new (the ledger, fingerprints, the model catalogue)" } },
  { folders: { tools: "the company's tools a session may run: the operator's MCP servers and agents, grants per caller, and what ran" } },
  { folders: { turns: "one exchange on the session it is handed: send, the runtime's events as TurnEvents, client tool calls, abort, deadlines, usage" } },
  { folders: { runtime: "the Copilot runtimes (embedded or --headless): the pool, supervision, recycling, the BYOK relay, the shared stdio MCP servers" } },
  { folders: { access: "who is calling and what they may spend: callers, virtual keys, the turn gate and slots, usage records, who is an admin and what admins changed" } },
  { folders: { core: "what every layer speaks: the gateway's error, the logger port, the turn vocabulary, request limits, model aliases" } },
];

/** A layer's folders, in order. */
export const foldersOf = (layer: Layer): string[] => Object.keys(layer.folders);

/** What a folder's README.md says, on its one line. */
export const readmeLine = (folder: string, holds: string): string => `**src/${folder}/** — ${holds}.`;
