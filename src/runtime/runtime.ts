// Owns the Copilot runtime: one CopilotClient, either spawned (embedded, the
// default) or connected to a running `copilot --headless` server. Everything
// Node-specific about sessions (scratch directories, the permission policy,
// BYOK provider wiring) lives here so the layers above stay Web-standard.
import { createHash, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CopilotClient, RuntimeConnection, type CopilotSession, type PermissionHandler } from "@github/copilot-sdk";
import type { ReasoningEffort, ToolDefinition } from "../turns/events.js";
import { listProviderModels, type ModelEntry } from "./models.js";
import { OpeningLine } from "./opening-line.js";
import { ProviderRelay } from "./provider-relay.js";

export type { ModelEntry } from "./models.js";

export interface ProviderSettings {
  type: "openai" | "azure" | "anthropic";
  baseUrl: string;
  apiKey?: string;
  wireApi?: "completions" | "responses";
  models?: string[];
}

export interface RuntimeSettings {
  /** An external runtime's `token`: the connection token it was started with (COPILOT_CONNECTION_TOKEN). */
  connection: { kind: "embedded" } | { kind: "external"; url: string; token?: string };
  /** Session state and per-session scratch directories live below it. */
  dataDir: string;
  /**
   * An external runtime's COPILOT_HOME as this process sees it (a directory
   * both share): where seeded sessions are written. The embedded runtime's is `dataDir`.
   */
  runtimeHome?: string;
  githubToken?: string;
  /**
   * GitHub mode: every session runs on its caller's own GitHub token (the
   * spec's `gitHubToken`) and the runtime has no identity of its own.
   */
  tokenPerCaller?: boolean;
  provider?: ProviderSettings;
  modelsTtlMs: number;
  /** Environment of an embedded runtime process; the gateway's own by default. */
  env?: Record<string, string | undefined>;
  /** How a hung runtime is noticed: a ping every `intervalMs`, `failures` in a row not answered within `timeoutMs`. */
  heartbeat?: { intervalMs: number; timeoutMs: number; failures: number };
}

export interface SessionSpec {
  model: string;
  /** Replaces the runtime's own agent prompt; empty means no system message at all. */
  systemMessage: string;
  tools: ToolDefinition[];
  reasoningEffort?: ReasoningEffort;
  /** The caller's own GitHub token (github mode): the session runs on their seat. */
  gitHubToken?: string;
}

/** Builds a seeded session's events (the SDK's SessionEvent shapes), in order, for the session it will be. */
export type SessionHistory = (sessionId: string, workingDirectory: string) => readonly object[];

/** What the HTTP layer needs from a runtime; the real one is CopilotRuntime. */
export interface Runtime {
  readonly description: string;
  /**
   * Called at once when the runtime dies or stops answering (its sessions
   * died with it); a new one is then started. Returns the unsubscribe.
   */
  onLost?(listener: (reason: string) => void): () => void;
  ping(): Promise<void>;
  /** The models served, or with a caller's GitHub token the models that identity may use. */
  listModels(gitHubToken?: string): Promise<ModelEntry[]>;
  /** `signal`: the request's; a request whose client left while it waited for the runtime costs it no session. */
  openSession(spec: SessionSpec, signal?: AbortSignal): Promise<CopilotSession>;
  suspendSession(session: CopilotSession): Promise<void>;
  resumeSession(sessionId: string, spec: SessionSpec): Promise<CopilotSession>;
  /** A new session whose history is what `history` builds for its id and working directory. */
  seedSession(spec: SessionSpec, history: SessionHistory, signal?: AbortSignal): Promise<CopilotSession>;
  forkSession(sessionId: string, beforeEventId: string, spec: SessionSpec, signal?: AbortSignal): Promise<CopilotSession>;
  closeSession(session: CopilotSession | string): Promise<void>;
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

export class CopilotRuntime implements Runtime {
  private client: CopilotClient;
  private starting: Promise<void> | undefined;
  /** Set while a lost runtime is being replaced; calls wait for it rather than reach the dead one. */
  private recovery: Promise<void> | undefined;
  private lostReason: string | undefined;
  private restartCount = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private missedHeartbeats = 0;
  private stopped = false;
  private readonly lostListeners = new Set<(reason: string) => void>();
  /** Sessions are created, seeded or forked a few at a time (opening-line.ts). */
  private readonly openingLine = new OpeningLine(MAX_OPENING);
  private modelsCache: { at: number; models: ModelEntry[] } | undefined;
  /** Per caller identity (github mode), by a hash of the token: never the token itself. */
  private readonly modelsByIdentity = new Map<string, { at: number; models: ModelEntry[] }>();
  private readonly scratchDirs = new Map<string, string>();
  /** BYOK only: what the runtime calls instead of the provider (see provider-relay.ts). */
  private relay: Promise<ProviderRelay> | undefined;
  private relayBaseUrl: string | undefined;

  constructor(private readonly settings: RuntimeSettings) {
    this.client = this.createClient();
  }

  get description(): string {
    const { connection } = this.settings;
    return connection.kind === "embedded" ? "embedded" : `external ${connection.url}`;
  }

  /** How many times a lost runtime was replaced. */
  get restarts(): number {
    return this.restartCount;
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
      if (this.settings.provider) this.relayBaseUrl = (await this.startRelay(this.settings.provider.baseUrl)).baseUrl;
      const client = this.client;
      await client.start();
      this.supervise(client);
    })().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async startRelay(providerBaseUrl: string): Promise<ProviderRelay> {
    this.relay ??= ProviderRelay.start(providerBaseUrl).catch((error: unknown) => {
      this.relay = undefined;
      throw error;
    });
    return this.relay;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.starting = undefined;
    const errors = await this.client.stop().catch(() => []);
    if (errors.length > 0) await this.client.forceStop().catch(() => undefined);
    await Promise.all([...this.scratchDirs.values()].map((dir) => rm(dir, { recursive: true, force: true })));
    this.scratchDirs.clear();
    const relay = this.relay;
    this.relay = undefined;
    this.relayBaseUrl = undefined;
    await relay?.then((started) => started.close()).catch(() => undefined);
  }

  /** Throws, with the reason, unless the runtime answers and can reach a model. */
  async ping(): Promise<void> {
    if (this.recovery) throw new Error(`restarting: ${this.lostReason ?? "the runtime was lost"}`);
    await this.ensureRunning();
    try {
      await withTimeout(this.client.ping(), 2_000);
    } catch (error) {
      if (!(await this.restartIfDead())) throw error;
      await withTimeout(this.client.ping(), 2_000);
    }
    // Without an identity of its own (github mode) the runtime answering is all there is to check.
    if (this.settings.provider || this.settings.tokenPerCaller) return;
    const auth = await withTimeout(this.client.getAuthStatus(), 5_000);
    if (!auth.isAuthenticated) throw new Error(`not signed in to GitHub${auth.statusMessage ? ` (${auth.statusMessage})` : ""}`);
  }

  async listModels(gitHubToken?: string): Promise<ModelEntry[]> {
    if (gitHubToken !== undefined && !this.settings.provider) return this.listModelsOf(gitHubToken);
    const cached = this.modelsCache;
    if (cached && Date.now() - cached.at < this.settings.modelsTtlMs) return cached.models;
    const models = this.settings.provider ? await listProviderModels(this.settings.provider) : await this.listCopilotModels();
    this.modelsCache = { at: Date.now(), models };
    return models;
  }

  /** The models one GitHub identity may use: the runtime asks Copilot with that token. */
  private async listModelsOf(gitHubToken: string): Promise<ModelEntry[]> {
    const identity = createHash("sha256").update(gitHubToken).digest("hex");
    const cached = this.modelsByIdentity.get(identity);
    if (cached && Date.now() - cached.at < this.settings.modelsTtlMs) return cached.models;
    const client = await this.ensureRunning();
    const { models } = await client.rpc.models.list({ gitHubToken });
    const entries = usableModels(models);
    // Bounded: one entry per identity seen lately, the oldest dropped first.
    this.modelsByIdentity.delete(identity);
    this.modelsByIdentity.set(identity, { at: Date.now(), models: entries });
    if (this.modelsByIdentity.size > 10_000) this.modelsByIdentity.delete(this.modelsByIdentity.keys().next().value!);
    return entries;
  }

  private async listCopilotModels(): Promise<ModelEntry[]> {
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
    const release = await this.openingLine.enter(signal);
    try {
      return await this.createSession(spec);
    } catch (error) {
      if (!(await this.restartIfDead())) throw error;
      return this.createSession(spec);
    } finally {
      release();
    }
  }

  private async createSession(spec: SessionSpec): Promise<CopilotSession> {
    const client = await this.ensureRunning();
    const workingDirectory = await mkdtemp(join(this.settings.dataDir, "scratch", "s-"));
    try {
      const session = await client.createSession(this.sessionConfig(spec, workingDirectory));
      this.scratchDirs.set(session.sessionId, workingDirectory);
      return session;
    } catch (error) {
      await rm(workingDirectory, { recursive: true, force: true });
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
    const workingDirectory = this.scratchDirs.get(sessionId);
    if (!workingDirectory) throw new Error(`session ${sessionId} is not known to this runtime`);
    const client = await this.ensureRunning();
    return client.resumeSession(sessionId, { ...this.sessionConfig(spec, workingDirectory), suppressResumeEvent: true });
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
    const release = await this.openingLine.enter(signal);
    try {
      return await this.writeAndResume(home, spec, history);
    } catch (error) {
      if (!(await this.restartIfDead())) throw error;
      return this.writeAndResume(home, spec, history);
    } finally {
      release();
    }
  }

  private async writeAndResume(home: string, spec: SessionSpec, history: SessionHistory): Promise<CopilotSession> {
    const client = await this.ensureRunning();
    const sessionId = randomUUID();
    const stateDir = join(home, "session-state", sessionId);
    const workingDirectory = await mkdtemp(join(this.settings.dataDir, "scratch", "s-"));
    this.scratchDirs.set(sessionId, workingDirectory);
    try {
      await mkdir(stateDir, { recursive: true });
      const lines = history(sessionId, workingDirectory).map((event) => JSON.stringify(event));
      await writeFile(join(stateDir, "events.jsonl"), `${lines.join("\n")}\n`);
      return await client.resumeSession(sessionId, { ...this.sessionConfig(spec, workingDirectory), suppressResumeEvent: true });
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
  async forkSession(sessionId: string, beforeEventId: string, spec: SessionSpec, signal?: AbortSignal): Promise<CopilotSession> {
    const release = await this.openingLine.enter(signal);
    try {
      return await this.fork(sessionId, beforeEventId, spec);
    } finally {
      release();
    }
  }

  private async fork(sessionId: string, beforeEventId: string, spec: SessionSpec): Promise<CopilotSession> {
    const client = await this.ensureRunning();
    const { sessionId: forkId } = await client.rpc.sessions.fork({ sessionId, toEventId: beforeEventId });
    const workingDirectory = await mkdtemp(join(this.settings.dataDir, "scratch", "s-"));
    this.scratchDirs.set(forkId, workingDirectory);
    try {
      return await client.resumeSession(forkId, { ...this.sessionConfig(spec, workingDirectory), suppressResumeEvent: true });
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
    await withTimeout(this.client.deleteSession(sessionId), 5_000).catch(() => undefined);
    const dir = this.scratchDirs.get(sessionId);
    this.scratchDirs.delete(sessionId);
    if (dir) await rm(dir, { recursive: true, force: true });
  }

  private sessionConfig(spec: SessionSpec, workingDirectory: string) {
    const declared = new Set(spec.tools.map((tool) => tool.name));
    // The client runs its own tools; the runtime may only ask for those the
    // client declared, and nothing built in (shell, files, web) ever runs here.
    const onPermissionRequest: PermissionHandler = (request) =>
      request.kind === "custom-tool" && declared.has(String((request as { toolName?: unknown }).toolName))
        ? { kind: "approve-once" }
        : { kind: "reject", feedback: "Only tools declared by the API client may run." };
    const { provider } = this.settings;
    return {
      model: spec.model,
      streaming: true,
      workingDirectory,
      systemMessage: { mode: "replace" as const, content: spec.systemMessage },
      tools: spec.tools.map((tool) => ({
        name: tool.name,
        description: tool.description ?? "",
        parameters: tool.parameters ?? { type: "object", properties: {} },
        // Clients may name their tools like built-ins (`bash`, `edit`); theirs win.
        overridesBuiltInTool: true,
      })),
      availableTools: spec.tools.map((tool) => tool.name),
      onPermissionRequest,
      ...(spec.reasoningEffort ? { reasoningEffort: spec.reasoningEffort } : {}),
      ...(spec.gitHubToken ? { gitHubToken: spec.gitHubToken } : {}),
      ...(provider
        ? {
            provider: {
              type: provider.type,
              baseUrl: this.relayBaseUrl ?? provider.baseUrl,
              ...(provider.apiKey ? { apiKey: provider.apiKey } : {}),
              ...(provider.wireApi ? { wireApi: provider.wireApi } : {}),
            },
            // BYOK models are unknown to the runtime, which otherwise drops image attachments.
            modelCapabilities: { supports: { vision: true } },
          }
        : {}),
    };
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
      this.modelsCache = undefined;
      this.modelsByIdentity.clear();
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
      // BYOK needs no GitHub login; without a token the logged-in user is used.
      ...(!githubToken && !provider && connection.kind === "embedded" ? { useLoggedInUser: !tokenPerCaller } : {}),
    });
  }
}

function usableModels(models: ReadonlyArray<{ id: string; policy?: { state?: string } }>): ModelEntry[] {
  return models.filter((model) => model.policy?.state !== "disabled").map((model) => ({ id: model.id, ownedBy: "github-copilot" }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
