// One Copilot runtime: one CopilotClient, either spawned (embedded) or
// connected to a running `copilot --headless` server, with its sessions.
// It notices its own death (the connection closing, missed heartbeats) and
// replaces itself; the pool above (runtime.ts) decides which one serves what.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CopilotClient, RuntimeConnection, type CopilotSession } from "@github/copilot-sdk";
import { OpeningLine } from "./opening-line.js";
import type { ModelEntry } from "./models.js";
import type { RuntimeSettings, SessionHistory, SessionSpec } from "./runtime.js";
import { sessionOptions } from "./session-options.js";

export interface ProcessSettings extends Omit<RuntimeSettings, "connection" | "processes" | "recycle"> {
  connection: { kind: "embedded" } | { kind: "external"; url: string; token?: string };
  /** BYOK: where sessions send model calls (the relay's address, once it runs). */
  providerBaseUrl?: () => string | undefined;
}

/** By default a ready runtime is pinged every 5 s; three pings in a row unanswered within 5 s and it counts as hung. */
const DEFAULT_HEARTBEAT = { intervalMs: 5_000, timeoutMs: 5_000, failures: 3 };
/** Sessions opened at once; more wait in the gateway, where an abandoned request can leave the line. */
const MAX_OPENING = 4;
/** How long a call waits for a lost runtime's replacement before it is told the runtime is unavailable. */
const RECOVERY_WAIT_MS = 5_000;
/** Restart attempts wait 0.5 s, 1 s, 2 s … up to this: a runtime coming back is found within seconds. */
const MAX_RESTART_DELAY_MS = 5_000;

/** The runtime was lost and is not back yet: a call may be retried in a moment. */
export class RuntimeUnavailableError extends Error {
  override readonly name = "RuntimeUnavailableError";
  constructor(reason: string) {
    super(`the Copilot runtime is restarting (${reason})`);
  }
}

export class RuntimeProcess {
  private client: CopilotClient;
  private starting: Promise<void> | undefined;
  /** Set while a lost runtime is being replaced; calls wait for it rather than reach the dead one. */
  private recovery: Promise<void> | undefined;
  private lostReason: string | undefined;
  private restartCount = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private missedHeartbeats = 0;
  private stopped = false;
  private startedAt = Date.now();
  private readonly lostListeners = new Set<(reason: string) => void>();
  /** Sessions are created, seeded or forked a few at a time (opening-line.ts). */
  private readonly openingLine = new OpeningLine(MAX_OPENING);
  /** Every session this runtime holds, live or suspended, with its working directory. */
  private readonly workingDirectories = new Map<string, string>();
  /** Sessions being created, seeded or forked, waiting in line included. */
  private opening = 0;

  constructor(private readonly settings: ProcessSettings) {
    this.client = this.createClient();
  }

  get description(): string {
    const { connection } = this.settings;
    return connection.kind === "embedded" ? "embedded" : `external ${connection.url}`;
  }

  /** How many times this runtime was lost and replaced. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Serving, not being replaced or stopped. */
  get healthy(): boolean {
    return !this.stopped && !this.recovery && this.starting !== undefined;
  }

  /** Sessions held, live or suspended, and being opened: what this runtime carries. */
  get load(): number {
    return this.workingDirectories.size + this.opening;
  }

  /** Sessions being opened now, or waiting in line to be. */
  get openingNow(): number {
    return this.opening;
  }

  holds(sessionId: string): boolean {
    return this.workingDirectories.has(sessionId);
  }

  sessionIds(): string[] {
    return [...this.workingDirectories.keys()];
  }

  /** How long the current process has been up. */
  get ageMs(): number {
    return Date.now() - this.startedAt;
  }

  /** The embedded runtime's resident memory (Linux); undefined for an external one or where /proc is not there. */
  residentBytes(): number | undefined {
    // The SDK keeps its child private; its pid is the only way to see what the runtime holds.
    const pid = (this.client as unknown as { cliProcess?: { pid?: number } | null }).cliProcess?.pid;
    if (this.settings.connection.kind !== "embedded" || !pid) return undefined;
    try {
      const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      return kib ? Number(kib) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  onLost(listener: (reason: string) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Starts (or restarts after a crash) the client; concurrent callers share one start. */
  start(): Promise<void> {
    this.stopped = false;
    this.starting ??= (async () => {
      await mkdir(join(this.settings.dataDir, "scratch"), { recursive: true });
      await mkdir(this.sharedDirectory, { recursive: true });
      const client = this.client;
      await client.start();
      this.startedAt = Date.now();
      this.supervise(client);
    })().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.starting = undefined;
    const errors = await this.client.stop().catch(() => []);
    if (errors.length > 0) await this.client.forceStop().catch(() => undefined);
    await Promise.all([...this.workingDirectories.values()].map((dir) => this.releaseDirectory(dir)));
    this.workingDirectories.clear();
  }

  /** Throws, with the reason, unless the runtime answers (and, with an identity of its own, is signed in). */
  async ping(): Promise<void> {
    if (this.recovery) throw new Error(`restarting: ${this.lostReason ?? "the runtime was lost"}`);
    await this.ensureRunning();
    try {
      await withTimeout(this.client.ping(), 2_000);
    } catch (error) {
      if (!(await this.restartIfDead())) throw error;
      await withTimeout(this.client.ping(), 2_000);
    }
    // Without an identity of its own (BYOK, github mode) the runtime answering is all there is to check.
    if (this.settings.provider || this.settings.tokenPerCaller) return;
    const auth = await withTimeout(this.client.getAuthStatus(), 5_000);
    if (!auth.isAuthenticated) throw new Error(`not signed in to GitHub${auth.statusMessage ? ` (${auth.statusMessage})` : ""}`);
  }

  /** The models Copilot serves this runtime's identity, or with `gitHubToken` that identity. */
  async listModels(gitHubToken?: string): Promise<ModelEntry[]> {
    if (gitHubToken !== undefined) {
      const client = await this.ensureRunning();
      return usableModels((await client.rpc.models.list({ gitHubToken })).models);
    }
    let models;
    try {
      models = await (await this.ensureRunning()).listModels();
    } catch (error) {
      if (!(await this.restartIfDead())) throw error;
      models = await this.client.listModels();
    }
    return usableModels(models);
  }

  async openSession(spec: SessionSpec, signal?: AbortSignal): Promise<CopilotSession> {
    return this.inLine(signal, async () => {
      try {
        return await this.createSession(spec);
      } catch (error) {
        if (!(await this.restartIfDead())) throw error;
        return this.createSession(spec);
      }
    });
  }

  /** Runs `open` when the opening line lets it; counted in `load` from the moment it asks. */
  private async inLine<T>(signal: AbortSignal | undefined, open: () => Promise<T>): Promise<T> {
    this.opening++;
    try {
      const release = await this.openingLine.enter(signal);
      try {
        return await open();
      } finally {
        release();
      }
    } finally {
      this.opening--;
    }
  }

  private async createSession(spec: SessionSpec): Promise<CopilotSession> {
    const client = await this.ensureRunning();
    const workingDirectory = await this.directoryForSession();
    try {
      const session = await client.createSession(this.sessionOptions(spec, workingDirectory));
      this.workingDirectories.set(session.sessionId, workingDirectory);
      return session;
    } catch (error) {
      await this.releaseDirectory(workingDirectory);
      throw error;
    }
  }

  /**
   * Disconnects a session but keeps its state, so it costs the runtime
   * nothing until it is resumed: a runtime holding many live sessions opens
   * new ones measurably slower. Never throws.
   */
  async suspendSession(session: CopilotSession): Promise<void> {
    await session.disconnect().catch(() => undefined);
  }

  /** Reconnects a suspended session with the configuration it was created with. */
  async resumeSession(sessionId: string, spec: SessionSpec): Promise<CopilotSession> {
    const workingDirectory = this.workingDirectories.get(sessionId);
    if (!workingDirectory) throw new Error(`session ${sessionId} is not known to this runtime`);
    const client = await this.ensureRunning();
    return client.resumeSession(sessionId, this.resumeOptions(spec, workingDirectory));
  }

  /**
   * Writes the history as the runtime's own session file and resumes it: the
   * model then reads it as native messages. Throws (having cleaned up) when
   * the runtime's state directory is not reachable or it refuses the file.
   */
  async seedSession(spec: SessionSpec, history: SessionHistory, signal?: AbortSignal): Promise<CopilotSession> {
    const { connection, dataDir, runtimeHome } = this.settings;
    const home = connection.kind === "embedded" ? dataDir : runtimeHome;
    if (!home) throw new Error("the external runtime's COPILOT_HOME is not shared with the gateway (set COPILOT_RUNTIME_HOME)");
    return this.inLine(signal, async () => {
      try {
        return await this.writeAndResume(home, spec, history);
      } catch (error) {
        if (!(await this.restartIfDead())) throw error;
        return this.writeAndResume(home, spec, history);
      }
    });
  }

  private async writeAndResume(home: string, spec: SessionSpec, history: SessionHistory): Promise<CopilotSession> {
    const client = await this.ensureRunning();
    const sessionId = randomUUID();
    const stateDir = join(home, "session-state", sessionId);
    const workingDirectory = await this.directoryForSession();
    this.workingDirectories.set(sessionId, workingDirectory);
    try {
      await mkdir(stateDir, { recursive: true });
      const lines = history(sessionId, workingDirectory).map((event) => JSON.stringify(event));
      await writeFile(join(stateDir, "events.jsonl"), `${lines.join("\n")}\n`);
      return await client.resumeSession(sessionId, this.resumeOptions(spec, workingDirectory));
    } catch (error) {
      await this.closeSession(sessionId);
      await rm(stateDir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * A new session holding the history of `sessionId` up to (not including)
   * the event `beforeEventId`: an edited or regenerated turn branches there.
   */
  forkSession(sessionId: string, beforeEventId: string, spec: SessionSpec, signal?: AbortSignal): Promise<CopilotSession> {
    return this.inLine(signal, () => this.fork(sessionId, beforeEventId, spec));
  }

  private async fork(sessionId: string, beforeEventId: string, spec: SessionSpec): Promise<CopilotSession> {
    const client = await this.ensureRunning();
    const { sessionId: forkId } = await client.rpc.sessions.fork({ sessionId, toEventId: beforeEventId });
    const workingDirectory = await this.directoryForSession();
    this.workingDirectories.set(forkId, workingDirectory);
    try {
      return await client.resumeSession(forkId, this.resumeOptions(spec, workingDirectory));
    } catch (error) {
      await this.closeSession(forkId);
      throw error;
    }
  }

  /** Deletes a session, live or suspended, with its scratch directory; never throws. */
  async closeSession(session: CopilotSession | string): Promise<void> {
    const sessionId = typeof session === "string" ? session : session.sessionId;
    // A call to a dead runtime never returns: wait (a while) for its successor, and bound every call.
    await this.awaitRecovery().catch(() => undefined);
    if (typeof session !== "string") await withTimeout(session.disconnect(), 5_000).catch(() => undefined);
    if (!this.stopped) await this.deleteState(sessionId);
    const dir = this.workingDirectories.get(sessionId);
    this.workingDirectories.delete(sessionId);
    if (dir) await this.releaseDirectory(dir);
  }

  /**
   * Where sessions run: one empty directory they all share. Sessions get only
   * their client's tools, and nothing built in that could write there, so
   * none sees another through it; and a directory the runtime has seen
   * before spares it a `git rev-parse` per session. The bench's previous
   * options give each session a fresh one, as before.
   */
  private get sharedDirectory(): string {
    return join(this.settings.dataDir, "workspace");
  }

  private async directoryForSession(): Promise<string> {
    if (!this.settings.previousSessionOptions) return this.sharedDirectory;
    return mkdtemp(join(this.settings.dataDir, "scratch", "s-"));
  }

  private async releaseDirectory(dir: string): Promise<void> {
    if (dir !== this.sharedDirectory) await rm(dir, { recursive: true, force: true });
  }

  /**
   * Deletes a session's state. Under a storm of abandoned streams the runtime
   * now and then never answers the delete of a session whose turn was just
   * aborted, and its events (the user's prompts) would stay on disk: then
   * the gateway removes them itself, where it shares the runtime's home.
   */
  private async deleteState(sessionId: string): Promise<void> {
    const deleted = await withTimeout(this.client.deleteSession(sessionId), 5_000).then(
      () => true,
      () => false,
    );
    const home = this.settings.connection.kind === "embedded" ? this.settings.dataDir : this.settings.runtimeHome;
    if (!deleted && home) await rm(join(home, "session-state", sessionId), { recursive: true, force: true }).catch(() => undefined);
  }

  /**
   * What sessions are opened with here. A new session calls a BYOK provider
   * directly: only history the runtime loads from disk carries the private
   * fields the relay removes (provider-relay.ts), and the relay's hop costs
   * every turn ~1.4 ms to its first token.
   */
  private sessionOptions(spec: SessionSpec, workingDirectory: string, via: "direct" | "relay" = "direct") {
    const { provider, previousSessionOptions } = this.settings;
    const providerBaseUrl = via === "relay" || previousSessionOptions ? this.settings.providerBaseUrl?.() : undefined;
    return sessionOptions(spec, workingDirectory, { ...(provider ? { provider } : {}), ...(providerBaseUrl ? { providerBaseUrl } : {}), ...(previousSessionOptions ? { previousSessionOptions } : {}) });
  }

  /** What sessions are resumed with (without a resume event in their history): their history comes from disk, so through the relay. */
  private resumeOptions(spec: SessionSpec, workingDirectory: string) {
    return { ...this.sessionOptions(spec, workingDirectory, "relay"), suppressResumeEvent: true };
  }

  private async ensureRunning(): Promise<CopilotClient> {
    await this.awaitRecovery();
    await this.start();
    return this.client;
  }

  /** Waits for a lost runtime's replacement — a restart usually takes well under a second — but not through an outage. */
  private async awaitRecovery(): Promise<void> {
    const recovery = this.recovery;
    if (!recovery) return;
    const recovered = await Promise.race([recovery.then(() => true), sleep(RECOVERY_WAIT_MS).then(() => false)]);
    if (!recovered) throw new RuntimeUnavailableError(this.lostReason ?? "the runtime was lost");
  }

  /**
   * Notices a runtime's death at once — the connection's close (the child
   * exited, or the external server went away) — and a hung one by missed
   * heartbeats: a call to a runtime that no longer answers never returns.
   */
  private supervise(client: CopilotClient): void {
    // The SDK has no public connection event; its JSON-RPC connection has one. Without it the heartbeat still notices.
    const connection = (client as unknown as { connection?: { onClose?: (listener: () => void) => unknown } }).connection;
    connection?.onClose?.(() => this.lose(client, "the runtime's connection closed"));
    this.missedHeartbeats = 0;
    this.heartbeat ??= setInterval(() => void this.beat(), (this.settings.heartbeat ?? DEFAULT_HEARTBEAT).intervalMs).unref();
  }

  private async beat(): Promise<void> {
    const client = this.client;
    const { timeoutMs, failures } = this.settings.heartbeat ?? DEFAULT_HEARTBEAT;
    if (this.recovery || this.starting === undefined) return;
    try {
      await withTimeout(client.ping(), timeoutMs);
      this.missedHeartbeats = 0;
    } catch {
      if (++this.missedHeartbeats >= failures) this.lose(client, `the runtime did not answer ${failures} pings in a row`);
    }
  }

  /** The runtime `client` is gone: tell the listeners (its turns and sessions are gone too) and replace it. */
  private lose(client: CopilotClient, reason: string): void {
    if (client !== this.client || this.recovery || this.stopped) return;
    this.lostReason = reason;
    this.restartCount++;
    this.recovery = this.replace(client).finally(() => {
      this.recovery = undefined;
      this.lostReason = undefined;
    });
    for (const listener of this.lostListeners) listener(reason);
  }

  /** New clients, with growing pauses between attempts, until one answers (or the runtime is stopped). */
  private async replace(lost: CopilotClient): Promise<void> {
    await withTimeout(lost.forceStop(), 5_000).catch(() => undefined);
    for (let attempt = 0; !this.stopped; attempt++) {
      if (attempt > 0) await sleep(Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** (attempt - 1)));
      if (this.stopped) return;
      this.client = this.createClient();
      this.starting = undefined;
      try {
        await this.start();
        await withTimeout(this.client.ping(), (this.settings.heartbeat ?? DEFAULT_HEARTBEAT).timeoutMs);
        return;
      } catch (error) {
        this.lostReason = `restart failed: ${error instanceof Error ? error.message : String(error)}`;
        await withTimeout(this.client.forceStop(), 5_000).catch(() => undefined);
      }
    }
  }

  /**
   * The SDK exposes no connection state, so a failed call is followed by a
   * ping: when that fails too, the runtime died (or the external server went
   * away) and a fresh client replaces it. Returns whether it restarted.
   */
  async restartIfDead(): Promise<boolean> {
    if (this.recovery) {
      await this.awaitRecovery();
      return true;
    }
    const client = this.client;
    const alive = await withTimeout(client.ping(), 2_000).then(
      () => true,
      () => false,
    );
    if (alive) return false;
    this.lose(client, "the runtime did not answer");
    await this.awaitRecovery();
    return true;
  }

  private createClient(): CopilotClient {
    const { connection, dataDir, provider, env, tokenPerCaller } = this.settings;
    // In github mode the runtime has no identity of its own: only the callers' tokens.
    const githubToken = tokenPerCaller ? undefined : this.settings.githubToken;
    return new CopilotClient({
      // "empty": the multi-user server mode — no user config, skills or instructions leak in.
      mode: "empty",
      baseDirectory: dataDir,
      logLevel: "error",
      ...(env && connection.kind === "embedded" ? { env } : {}),
      ...(connection.kind === "external"
        ? { connection: RuntimeConnection.forUri(connection.url, connection.token ? { connectionToken: connection.token } : {}) }
        : {}),
      // An external runtime authenticates itself (the SDK refuses a token for one).
      ...(githubToken && connection.kind === "embedded" ? { gitHubToken: githubToken } : {}),
      // Without a token the logged-in user is used. BYOK and github mode need no
      // login: looking for one (a `gh` search and two forks) was ~30 % of a new session's CPU.
      ...(!githubToken && connection.kind === "embedded" ? { useLoggedInUser: !tokenPerCaller && (!provider || !!this.settings.previousSessionOptions) } : {}),
    });
  }
}

function usableModels(models: ReadonlyArray<{ id: string; policy?: { state?: string } }>): ModelEntry[] {
  return models.filter((model) => model.policy?.state !== "disabled").map((model) => ({ id: model.id, ownedBy: "github-copilot" }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
