// One Copilot runtime and the sessions on it: opened a few at a time, seeded
// from a history, suspended, resumed and closed, in the one working
// directory they share. The client itself, and noticing and replacing a
// runtime that died, are supervised-client.ts's; the pool above
// (runtime-pool.ts) decides which runtime serves what.
import { randomUUID } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CopilotClient, CopilotSession } from "@github/copilot-sdk";
import { SessionOpenSlots } from "./session-open-slots.js";
import type { ModelEntry, SessionHistory, SessionSpec } from "./runtime.js";
import type { ProcessSettings } from "./runtime-settings.js";
import { rememberServerTools } from "./server-tool-handlers.js";
import { sessionOptions } from "./session-options.js";
import { SupervisedClient, withTimeout } from "./supervised-client.js";

/** The one directory every session of the runtimes under `dataDir` works in. */
export const sessionsDirectory = (dataDir: string): string => join(dataDir, "workspace");

/** How long a session's detach or deletion may take before the gateway goes on without the runtime's answer. */
export const SESSION_CALL_TIMEOUT_MS = 5_000;

/**
 * How long the runtime may take to list the models (it asks GitHub), as long
 * as a BYOK provider's list may (models.ts): a request waits on it, and the
 * SDK's client keeps every later listing waiting behind one never answered.
 */
export const MODEL_LIST_TIMEOUT_MS = 10_000;

/** Sessions opened at once; more wait in the gateway, where an abandoned request can leave the line. */
export const MAX_OPENING = 4;

/** How long an open may go unanswered before it is given up, unless the settings say (the turn's default deadline). */
const DEFAULT_OPEN_TIMEOUT_MS = 30_000;

export class RuntimeProcess {
  private readonly runtime: SupervisedClient;
  /** The directories sessions run in, made once. */
  private directories: Promise<void> | undefined;
  /** Sessions are created or seeded a few at a time (session-open-slots.ts). */
  private readonly openSlots = new SessionOpenSlots(MAX_OPENING);
  /** Every session this runtime holds, live or suspended. */
  private readonly held = new Set<string>();
  /** The held sessions that are suspended: on disk, not in the runtime's memory. */
  private readonly suspended = new Set<string>();
  /** Sessions being created or seeded, waiting in line included. */
  private opening = 0;
  /** Sessions created or seeded since this runtime object began: the recycler's measure of work (memory-growth.ts). */
  private opened = 0;

  constructor(private readonly settings: ProcessSettings) {
    this.runtime = new SupervisedClient(settings);
  }

  get description(): string {
    const { connection } = this.settings;
    return connection.kind === "embedded" ? "embedded" : `external ${connection.url}`;
  }

  /** How many times this runtime was lost and replaced. */
  get restarts(): number {
    return this.runtime.restarts;
  }

  /** Serving, not being replaced or stopped. */
  get healthy(): boolean {
    return this.runtime.healthy;
  }

  /** Sessions held, live or suspended, and being opened: what this runtime carries. */
  get load(): number {
    return this.held.size + this.opening;
  }

  /** Sessions live and being opened: what the recycler's growth measure allows for (memory-growth.ts). */
  get liveLoad(): number {
    return this.held.size - this.suspended.size + this.opening;
  }

  /** Sessions being opened now, or waiting in line to be. */
  get openingNow(): number {
    return this.opening;
  }

  /** Sessions created or seeded on this runtime so far, across restarts. */
  get sessionsOpened(): number {
    return this.opened;
  }

  holds(sessionId: string): boolean {
    return this.held.has(sessionId);
  }

  sessionIds(): string[] {
    return [...this.held];
  }

  /** How long the current process has been up. */
  get ageMs(): number {
    return this.runtime.ageMs;
  }

  /** The embedded runtime's resident memory (Linux); undefined for an external one or where /proc is not there. */
  residentBytes(): number | undefined {
    return this.runtime.residentBytes();
  }

  onLost(listener: (reason: string) => void): () => void {
    return this.runtime.onLost(listener);
  }

  /** Starts (or restarts after a crash) the runtime; concurrent callers share one start. */
  async start(): Promise<void> {
    await this.makeDirectories();
    await this.runtime.start();
  }

  async stop(): Promise<void> {
    await this.runtime.stop();
    this.held.clear();
    this.suspended.clear();
  }

  /** Throws, with the reason, unless the runtime answers (and, with an identity of its own, is signed in). */
  async ping(): Promise<void> {
    const restarting = this.runtime.restarting;
    if (restarting) throw new Error(`restarting: ${restarting}`);
    await this.ensureRunning();
    await this.runtime.withRestart(() => withTimeout(this.runtime.client.ping(), 2_000));
    // Without an identity of its own (BYOK, github mode) the runtime answering is all there is to check.
    if (this.settings.provider || this.settings.tokenPerCaller) return;
    const auth = await withTimeout(this.runtime.client.getAuthStatus(), 5_000);
    if (!auth.isAuthenticated) throw new Error(`not signed in to GitHub${auth.statusMessage ? ` (${auth.statusMessage})` : ""}`);
  }

  /** The models Copilot serves this runtime's identity, or with `gitHubToken` that identity. */
  async listModels(gitHubToken?: string): Promise<ModelEntry[]> {
    if (gitHubToken !== undefined) {
      const client = await this.ensureRunning();
      return usableModels((await withTimeout(client.rpc.models.list({ gitHubToken }), MODEL_LIST_TIMEOUT_MS)).models);
    }
    return usableModels(await this.runtime.withRestart(async () => withTimeout((await this.ensureRunning()).listModels(), MODEL_LIST_TIMEOUT_MS)));
  }

  async openSession(spec: SessionSpec, signal?: AbortSignal): Promise<CopilotSession> {
    return this.inLine(signal, () => this.runtime.withRestart(() => this.createSession(spec)));
  }

  /**
   * Runs `open` when a session-open slot is free; counted in `load` from the
   * moment it asks until it is answered or given up (session-open-slots.ts).
   * A session opened after it was given up is closed.
   */
  private async inLine(signal: AbortSignal | undefined, open: () => Promise<CopilotSession>): Promise<CopilotSession> {
    this.opening++;
    try {
      const giveUpMs = this.settings.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
      return await this.openSlots.run(open, { signal, giveUpMs, late: (session) => void this.closeSession(session) });
    } finally {
      this.opening--;
    }
  }

  private async createSession(spec: SessionSpec): Promise<CopilotSession> {
    const client = await this.ensureRunning();
    const { options, serverTools } = await this.sessionOptions(spec);
    const session = await client.createSession(options);
    rememberServerTools(session, serverTools);
    this.held.add(session.sessionId);
    this.opened++;
    return session;
  }

  /**
   * Disconnects a session but keeps its state, so it costs the runtime
   * nothing until it is resumed: a runtime holding many live sessions opens
   * new ones measurably slower. Never throws, and never waits long: the
   * conversation's next turn and its eviction wait for the suspension, and a
   * runtime that never answers the detach (seen under load in the bench: a
   * whole phase stalled on one) would hold them for good. A session whose
   * detach went unanswered is resumed all the same, or, if the runtime
   * refuses that, its conversation is seeded.
   */
  async suspendSession(session: CopilotSession): Promise<void> {
    if (this.held.has(session.sessionId)) this.suspended.add(session.sessionId);
    await withTimeout(session.disconnect(), SESSION_CALL_TIMEOUT_MS).catch(() => undefined);
  }

  /** Reconnects a suspended session with the configuration it was created with. */
  async resumeSession(sessionId: string, spec: SessionSpec): Promise<CopilotSession> {
    if (!this.held.has(sessionId)) throw new Error(`session ${sessionId} is not known to this runtime`);
    const client = await this.ensureRunning();
    const session = await this.resume(client, sessionId, spec);
    this.suspended.delete(sessionId);
    return session;
  }

  /**
   * Writes the history as the runtime's own session file and resumes it: the
   * model then reads it as native messages. Throws (having cleaned up) when
   * the runtime's state directory is not reachable or it refuses the file.
   */
  async seedSession(spec: SessionSpec, history: SessionHistory, signal?: AbortSignal): Promise<CopilotSession> {
    const home = this.sharedHome;
    if (!home) throw new Error("the external runtime's COPILOT_HOME is not shared with the gateway (set COPILOT_RUNTIME_HOME)");
    return this.inLine(signal, () => this.runtime.withRestart(() => this.writeAndResume(home, spec, history)));
  }

  private async writeAndResume(home: string, spec: SessionSpec, history: SessionHistory): Promise<CopilotSession> {
    const client = await this.ensureRunning();
    const sessionId = randomUUID();
    const stateDir = join(home, "session-state", sessionId);
    this.held.add(sessionId);
    this.opened++;
    try {
      await mkdir(stateDir, { recursive: true });
      const lines = history(sessionId, this.workingDirectory).map((event) => JSON.stringify(event));
      await writeFile(join(stateDir, "events.jsonl"), `${lines.join("\n")}\n`);
      return await this.resume(client, sessionId, spec);
    } catch (error) {
      await this.closeSession(sessionId);
      await rm(stateDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Deletes a session, live or suspended; never throws. */
  async closeSession(session: CopilotSession | string): Promise<void> {
    const sessionId = typeof session === "string" ? session : session.sessionId;
    // A call to a dead runtime never returns: wait (a while) for its successor, and bound every call.
    await this.runtime.awaitRecovery().catch(() => undefined);
    if (typeof session !== "string") await withTimeout(session.disconnect(), SESSION_CALL_TIMEOUT_MS).catch(() => undefined);
    if (!this.runtime.isStopped) await this.deleteState(sessionId);
    this.held.delete(sessionId);
    this.suspended.delete(sessionId);
  }

  /** The runtime's COPILOT_HOME where the gateway can reach it too: the embedded one's is the data dir; an external one's only if configured. */
  private get sharedHome(): string | undefined {
    const { connection, dataDir, runtimeHome } = this.settings;
    return connection.kind === "embedded" ? dataDir : runtimeHome;
  }

  /**
   * Where sessions run: one empty directory they all share. Sessions get only
   * their client's tools, and nothing built in that could write there, so
   * none sees another through it; and a directory the runtime has seen
   * before spares it a `git rev-parse` per session.
   */
  private get workingDirectory(): string {
    return sessionsDirectory(this.settings.dataDir);
  }

  /**
   * Deletes a session's state. Under a storm of abandoned streams the runtime
   * now and then never answers the delete of a session whose turn was just
   * aborted, and its events (the user's prompts) would stay on disk: then
   * the gateway removes them itself, where it shares the runtime's home.
   */
  private async deleteState(sessionId: string): Promise<void> {
    const deleted = await withTimeout(this.runtime.client.deleteSession(sessionId), SESSION_CALL_TIMEOUT_MS).then(
      () => true,
      () => false,
    );
    const home = this.sharedHome;
    if (!deleted && home) await rm(join(home, "session-state", sessionId), { recursive: true, force: true }).catch(() => undefined);
  }

  /**
   * What sessions are opened with here. A new session calls a BYOK provider
   * directly: only history the runtime loads from disk carries the private
   * fields the relay removes (provider-relay.ts), and the relay's hop costs
   * every turn ~1.4 ms to its first token.
   */
  private async sessionOptions(spec: SessionSpec, via: "direct" | "relay" = "direct") {
    const { provider } = this.settings;
    const providerBaseUrl = via === "relay" ? this.settings.providerBaseUrl?.() : undefined;
    const { toolGates } = this.settings;
    const shared = this.settings.sharedMcpServers?.();
    const serverTools = shared && spec.mcpServers ? await shared.sessionTools(spec.mcpServers, new Set(spec.tools.map((tool) => tool.name))) : undefined;
    const options = sessionOptions(spec, this.workingDirectory, {
      ...(provider ? { provider } : {}),
      ...(providerBaseUrl ? { providerBaseUrl } : {}),
      ...(toolGates ? { toolGates } : {}),
      ...(serverTools ? { serverTools } : {}),
    });
    return { options, serverTools };
  }

  /** Resumes a session without a resume event in its history: its history comes from disk, so through the relay. */
  private async resume(client: CopilotClient, sessionId: string, spec: SessionSpec): Promise<CopilotSession> {
    const { options, serverTools } = await this.sessionOptions(spec, "relay");
    const session = await client.resumeSession(sessionId, { ...options, suppressResumeEvent: true });
    rememberServerTools(session, serverTools);
    return session;
  }

  private async ensureRunning(): Promise<CopilotClient> {
    await this.makeDirectories();
    return this.runtime.running();
  }

  private makeDirectories(): Promise<void> {
    this.directories ??= Promise.all([
      // Sessions no longer work in a scratch directory each, but the data
      // directory keeps its scratch/: the operations guide and the leftover
      // checks look there for what sessions left behind.
      mkdir(join(this.settings.dataDir, "scratch"), { recursive: true }),
      mkdir(this.workingDirectory, { recursive: true }),
    ]).then(
      () => undefined,
      (error: unknown) => {
        this.directories = undefined;
        throw error;
      },
    );
    return this.directories;
  }
}

function usableModels(models: ReadonlyArray<{ id: string; policy?: { state?: string } }>): ModelEntry[] {
  return models.filter((model) => model.policy?.state !== "disabled").map((model) => ({ id: model.id, ownedBy: "github-copilot" }));
}
