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
  connection: { kind: "embedded" } | { kind: "external"; url: string };
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
  ping(): Promise<void>;
  /** The models served, or with a caller's GitHub token the models that identity may use. */
  listModels(gitHubToken?: string): Promise<ModelEntry[]>;
  openSession(spec: SessionSpec): Promise<CopilotSession>;
  suspendSession(session: CopilotSession): Promise<void>;
  resumeSession(sessionId: string, spec: SessionSpec): Promise<CopilotSession>;
  /** A new session whose history is what `history` builds for its id and working directory. */
  seedSession(spec: SessionSpec, history: SessionHistory): Promise<CopilotSession>;
  forkSession(sessionId: string, beforeEventId: string, spec: SessionSpec): Promise<CopilotSession>;
  closeSession(session: CopilotSession | string): Promise<void>;
}

export class CopilotRuntime implements Runtime {
  private client: CopilotClient;
  private starting: Promise<void> | undefined;
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

  /** Starts (or restarts after a crash) the client; concurrent callers share one start. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      await mkdir(join(this.settings.dataDir, "scratch"), { recursive: true });
      if (this.settings.provider) this.relayBaseUrl = (await this.startRelay(this.settings.provider.baseUrl)).baseUrl;
      await this.client.start();
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

  async openSession(spec: SessionSpec): Promise<CopilotSession> {
    try {
      return await this.createSession(spec);
    } catch (error) {
      if (!(await this.restartIfDead())) throw error;
      return this.createSession(spec);
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
  async seedSession(spec: SessionSpec, history: SessionHistory): Promise<CopilotSession> {
    const { connection, dataDir, runtimeHome } = this.settings;
    const home = connection.kind === "embedded" ? dataDir : runtimeHome;
    if (!home) throw new Error("the external runtime's COPILOT_HOME is not shared with the gateway (set COPILOT_RUNTIME_HOME)");
    try {
      return await this.writeAndResume(home, spec, history);
    } catch (error) {
      if (!(await this.restartIfDead())) throw error;
      return this.writeAndResume(home, spec, history);
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
  async forkSession(sessionId: string, beforeEventId: string, spec: SessionSpec): Promise<CopilotSession> {
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
    if (typeof session !== "string") await session.disconnect().catch(() => undefined);
    await this.client.deleteSession(sessionId).catch(() => undefined);
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
    await this.start();
    return this.client;
  }

  /**
   * The SDK exposes no connection state, so a failed call is followed by a
   * ping: when that fails too, the runtime died (or the external server went
   * away) and a fresh client replaces it. Returns whether it restarted.
   */
  async restartIfDead(): Promise<boolean> {
    const alive = await withTimeout(this.client.ping(), 2_000).then(
      () => true,
      () => false,
    );
    if (alive) return false;
    await this.client.forceStop().catch(() => undefined);
    this.client = this.createClient();
    this.starting = undefined;
    this.modelsCache = undefined;
    await this.start();
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
      ...(connection.kind === "external" ? { connection: RuntimeConnection.forUri(connection.url) } : {}),
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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
