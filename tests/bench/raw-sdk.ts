// The bench's raw SDK rows: the SDK with no gateway, on a runtime process of
// its own. Its sessions are opened with the gateway's own session options
// (src/runtime/session-options.ts) in one shared empty working directory, and
// its client mirrors supervised-client.ts's for BYOK (no login lookup), so the
// gap to a gateway row of the same kind of session is the gateway's own cost.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { CopilotClient, type CopilotSession } from "@github/copilot-sdk";
import { sessionOptions } from "../../src/runtime/session-options.js";
import { embeddedEnvironment } from "../../src/runtime/supervised-client.js";
import { REQUEST_TIMEOUT_MS } from "./paths.js";
import type { Sample } from "./stats.js";

export class RawSdk {
  private readonly cleanups = new Set<Promise<void>>();

  private constructor(
    private readonly client: CopilotClient,
    private readonly workingDirectory: string,
    private readonly upstreamBaseUrl: string,
  ) {}

  static async start(baseDirectory: string, upstreamBaseUrl: string): Promise<RawSdk> {
    const workingDirectory = join(baseDirectory, "workspace");
    await mkdir(workingDirectory, { recursive: true });
    // As supervised-client.ts's createClient for BYOK: no `gh` login lookup, the allocator's arenas capped.
    const client = new CopilotClient({ mode: "empty", baseDirectory, logLevel: "error", useLoggedInUser: false, env: embeddedEnvironment(undefined) });
    await client.start();
    return new RawSdk(client, workingDirectory, upstreamBaseUrl);
  }

  /** The gateway's own session options (session-options.ts) for a client with no system prompt and no tools. */
  openSession(model: string): Promise<CopilotSession> {
    const spec = { model, systemMessage: "", tools: [] };
    const provider = { type: "openai" as const, baseUrl: this.upstreamBaseUrl, apiKey: "upstream-secret-key" };
    return this.client.createSession(sessionOptions(spec, this.workingDirectory, { provider }));
  }

  /**
   * Raw SDK, new session: per request what the gateway does for a new
   * conversation with no warm session — create a session, one turn — and the
   * session is closed after the turn, off the request's clock.
   */
  async newSessionRequest(model: string, prompt: string): Promise<Sample> {
    const started = performance.now();
    const session = await this.openSession(model);
    const openMs = performance.now() - started;
    try {
      return { ...(await turn(session, prompt, started)), openMs };
    } finally {
      const cleanup = this.closeSession(session);
      this.cleanups.add(cleanup);
      void cleanup.finally(() => this.cleanups.delete(cleanup));
    }
  }

  /** Raw SDK, reused session: one more user message on a session that is already open — the best the runtime can do. */
  reusedSessionRequest(session: CopilotSession, prompt: string): Promise<Sample> {
    return turn(session, prompt, performance.now());
  }

  async closeSession(session: CopilotSession): Promise<void> {
    await session.disconnect().catch(() => undefined);
    await this.client.deleteSession(session.sessionId).catch(() => undefined);
  }

  /** Resolves when every session of the finished new-session requests is closed. */
  async settle(): Promise<void> {
    while (this.cleanups.size > 0) await Promise.all([...this.cleanups]);
  }

  async stop(): Promise<void> {
    await this.settle();
    const errors = await this.client.stop().catch(() => []);
    if (errors.length > 0) await this.client.forceStop().catch(() => undefined);
  }
}

/** Sends one user message and waits for `session.idle`, timed from `started`. */
async function turn(session: CopilotSession, prompt: string, started: number): Promise<Sample> {
  let ttftMs: number | undefined;
  let unsubscribe: () => void = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<number>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error("raw SDK turn timed out")), REQUEST_TIMEOUT_MS);
    unsubscribe = session.on((event) => {
      if (event.type === "assistant.message_delta") {
        if (ttftMs === undefined && event.data.deltaContent !== "") ttftMs = performance.now() - started;
      } else if (event.type === "session.idle") resolve(performance.now() - started);
      else if (event.type === "session.error") reject(new Error(`raw SDK session error: ${event.data.message}`));
    });
  });
  try {
    // Like the gateway's runTurn: events are consumed while send() is still answering.
    const [totalMs] = await Promise.all([idle, session.send({ prompt, attachments: [] })]);
    if (ttftMs === undefined) throw new Error("raw SDK turn went idle without a content delta");
    return { ttftMs, totalMs };
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}
