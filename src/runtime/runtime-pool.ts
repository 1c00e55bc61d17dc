// The Copilot runtimes a gateway serves from: one or more RuntimeProcess
// (runtime-process.ts), embedded (spawned, the default) or external. A new
// session goes to the healthy runtime carrying the fewest sessions; a session
// stays on the runtime that holds it. A runtime that dies replaces itself,
// and its sessions' conversations go on seeded elsewhere; an embedded one that
// holds on to memory is recycled between turns (runtime-recycler.ts).
// Everything Node-specific about sessions lives in this layer so the layers
// above stay Web-standard: they see only the contract (runtime.ts).
import { createHash } from "node:crypto";
import type { CopilotSession } from "@github/copilot-sdk";
import { listProviderModels } from "./models.js";
import { ProviderRelay } from "./provider-relay.js";
import type { ModelEntry, RecycleCause, Runtime, SessionHistory, SessionSpec } from "./runtime.js";
import { RuntimeProcess, sessionsDirectory } from "./runtime-process.js";
import { SharedMcpServers } from "./shared-mcp-servers.js";
import { RuntimeRecycler } from "./runtime-recycler.js";
import { ToolGates } from "./tool-gates.js";
import type { ProcessSettings, RuntimeSettings } from "./runtime-settings.js";

export class CopilotRuntime implements Runtime {
  /** Serving runtimes, then any being retired (still finishing turns). */
  private members: RuntimeProcess[] = [];
  private readonly retiring = new Set<RuntimeProcess>();
  private readonly lostListeners = new Set<(reason: string, sessionIds: ReadonlySet<string>) => void>();
  private readonly retireListeners = new Set<(sessionIds: ReadonlySet<string>) => void>();
  private readonly recycleListeners = new Set<(residentBytes: number, cause: RecycleCause) => void>();
  private readonly recycler: RuntimeRecycler | undefined;
  private lostBefore = 0;
  private modelsCache: { at: number; models: ModelEntry[] } | undefined;
  /** Per caller identity (github mode), by a hash of the token: never the token itself. */
  private readonly modelsByIdentity = new Map<string, { at: number; models: ModelEntry[] }>();
  /** BYOK only: what the runtime calls instead of the provider (see provider-relay.ts). */
  private relay: Promise<ProviderRelay> | undefined;
  private relayBaseUrl: string | undefined;
  /** Embedded runtimes: the stdio MCP servers their sessions are given the tools of, each run once (shared-mcp-servers.ts). */
  private sharedMcpServers: SharedMcpServers | undefined;
  /** Where calls the client must approve wait, by session (tool-gates.ts). */
  readonly toolGates = new ToolGates();

  constructor(private readonly settings: RuntimeSettings) {
    const { connection } = settings;
    if (connection.kind === "external") {
      for (const url of connection.urls) this.members.push(this.createMember({ kind: "external", url, ...(connection.token ? { token: connection.token } : {}) }));
    } else {
      for (let index = 0; index < Math.max(1, settings.processes ?? 1); index++) this.members.push(this.createMember(connection));
    }
    if (settings.recycle && settings.connection.kind === "embedded") {
      this.recycler = new RuntimeRecycler(settings.recycle, {
        serving: () => this.members,
        retiring: () => [...this.retiring],
        replace: (member) => this.replaceMember(member),
        announceRetiring: (member) => this.emitRetire(member),
        finish: (member, leftBehind) => this.finishRetired(member, leftBehind),
        recycled: (residentBytes, cause) => {
          for (const listener of this.recycleListeners) listener(residentBytes, cause);
        },
      });
    }
  }

  get description(): string {
    const { connection } = this.settings;
    if (connection.kind === "external") return `external ${connection.urls.join(", ")}`;
    return this.members.length === 1 ? "embedded" : `embedded ×${this.members.length}`;
  }

  /** How many times a lost runtime was replaced. */
  get restarts(): number {
    return this.lostBefore + [...this.members, ...this.retiring].reduce((sum, member) => sum + member.restarts, 0);
  }

  /** How many runtimes were replaced for holding on to memory. */
  get recycles(): number {
    return this.recycler?.recycled ?? 0;
  }

  /** The processes of the stdio MCP servers run for the embedded runtimes' sessions (shared-mcp-servers.ts); what they cost is not the runtimes'. */
  get mcpServerPids(): number[] {
    return this.sharedMcpServers?.serverPids() ?? [];
  }

  /** Runtime processes running now, serving or finishing their last turns. */
  get processCount(): number {
    return this.members.length + this.retiring.size;
  }

  onLost(listener: (reason: string, sessionIds: ReadonlySet<string>) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  onRetire(listener: (sessionIds: ReadonlySet<string>) => void): () => void {
    this.retireListeners.add(listener);
    return () => this.retireListeners.delete(listener);
  }

  /** Called when a runtime is replaced for holding `residentBytes`, and why. Returns the unsubscribe. */
  onRecycled(listener: (residentBytes: number, cause: RecycleCause) => void): () => void {
    this.recycleListeners.add(listener);
    return () => this.recycleListeners.delete(listener);
  }

  /** Looks at every runtime's memory now, rather than at the next interval. */
  checkMemory(): Promise<void> {
    return this.recycler?.check() ?? Promise.resolve();
  }

  isRetiring(sessionId: string): boolean {
    for (const member of this.retiring) if (member.holds(sessionId)) return true;
    return false;
  }

  hasRoom(): boolean {
    const member = this.leastLoaded();
    return member.healthy && member.openingNow === 0;
  }

  async start(): Promise<void> {
    if (this.settings.provider) this.relayBaseUrl = (await this.startRelay(this.settings.provider.baseUrl)).baseUrl;
    // An external runtime may run on another host, for which the operator's file is written: its sessions start their own.
    if (this.settings.connection.kind === "embedded" && this.settings.sharedStdioMcpServers !== false) {
      // The environment the embedded runtime runs in, as the SDK starts it without one: the servers got it from the runtime.
      this.sharedMcpServers ??= new SharedMcpServers({ env: this.settings.env ?? process.env, workingDirectory: sessionsDirectory(this.settings.dataDir) });
    }
    await Promise.all(this.members.map((member) => member.start()));
    this.recycler?.start();
  }

  async stop(): Promise<void> {
    this.recycler?.stop();
    await Promise.all([...this.members, ...this.retiring].map((member) => member.stop()));
    this.retiring.clear();
    const relay = this.relay;
    this.relay = undefined;
    this.relayBaseUrl = undefined;
    await relay?.then((started) => started.close()).catch(() => undefined);
    // After the runtimes: no session is left to call the servers.
    const sharedMcpServers = this.sharedMcpServers;
    this.sharedMcpServers = undefined;
    await sharedMcpServers?.close();
  }

  /** Throws, with the reason, unless a runtime answers and can reach a model. */
  async ping(): Promise<void> {
    const healthy = this.members.find((member) => member.healthy);
    await (healthy ?? this.members[0]!).ping();
  }

  async listModels(gitHubToken?: string): Promise<ModelEntry[]> {
    if (gitHubToken !== undefined && !this.settings.provider) return this.listModelsOf(gitHubToken);
    const cached = this.modelsCache;
    if (cached && Date.now() - cached.at < this.settings.modelsTtlMs) return cached.models;
    const models = this.settings.provider ? await listProviderModels(this.settings.provider) : await this.leastLoaded().listModels();
    this.modelsCache = { at: Date.now(), models };
    return models;
  }

  /** The models one GitHub identity may use: the runtime asks Copilot with that token. */
  private async listModelsOf(gitHubToken: string): Promise<ModelEntry[]> {
    const identity = createHash("sha256").update(gitHubToken).digest("hex");
    const cached = this.modelsByIdentity.get(identity);
    if (cached && Date.now() - cached.at < this.settings.modelsTtlMs) return cached.models;
    const entries = await this.leastLoaded().listModels(gitHubToken);
    // Bounded: one entry per identity seen lately, the oldest dropped first.
    this.modelsByIdentity.delete(identity);
    this.modelsByIdentity.set(identity, { at: Date.now(), models: entries });
    if (this.modelsByIdentity.size > 10_000) this.modelsByIdentity.delete(this.modelsByIdentity.keys().next().value!);
    return entries;
  }

  openSession(spec: SessionSpec, signal?: AbortSignal): Promise<CopilotSession> {
    return this.leastLoaded().openSession(spec, signal);
  }

  suspendSession(session: CopilotSession): Promise<void> {
    return this.holder(session.sessionId).suspendSession(session);
  }

  resumeSession(sessionId: string, spec: SessionSpec): Promise<CopilotSession> {
    return this.holder(sessionId).resumeSession(sessionId, spec);
  }

  seedSession(spec: SessionSpec, history: SessionHistory, signal?: AbortSignal): Promise<CopilotSession> {
    return this.leastLoaded().seedSession(spec, history, signal);
  }

  async closeSession(session: CopilotSession | string): Promise<void> {
    const sessionId = typeof session === "string" ? session : session.sessionId;
    await this.holder(sessionId).closeSession(session);
  }

  /** The runtime holding a session; one that holds none takes calls for unknown sessions (which then fail as they would). */
  private holder(sessionId: string): RuntimeProcess {
    for (const member of this.members) if (member.holds(sessionId)) return member;
    for (const member of this.retiring) if (member.holds(sessionId)) return member;
    return this.members[0]!;
  }

  /** Where a new session goes: the healthy serving runtime carrying the fewest sessions (any, when none is healthy, to wait for it). */
  private leastLoaded(): RuntimeProcess {
    let best: RuntimeProcess | undefined;
    for (const member of this.members) {
      if (!member.healthy) continue;
      if (!best || member.load < best.load) best = member;
    }
    return best ?? this.members[0]!;
  }

  private createMember(connection: ProcessSettings["connection"]): RuntimeProcess {
    const { connection: _all, processes: _processes, recycle: _recycle, sharedStdioMcpServers: _shared, ...common } = this.settings;
    const member = new RuntimeProcess({ ...common, connection, providerBaseUrl: () => this.relayBaseUrl, toolGates: this.toolGates, sharedMcpServers: () => this.sharedMcpServers });
    member.onLost((reason) => {
      const sessionIds = new Set(member.sessionIds());
      for (const listener of this.lostListeners) listener(reason, sessionIds);
    });
    return member;
  }

  /** A fresh runtime takes `member`'s place for new sessions; `member` finishes its turns. */
  private async replaceMember(member: RuntimeProcess): Promise<void> {
    // Only embedded runtimes are recycled: a new one is spawned in the old one's place.
    const successor = this.createMember({ kind: "embedded" });
    try {
      await successor.start();
    } catch (error) {
      await successor.stop();
      throw error;
    }
    const at = this.members.indexOf(member);
    if (at < 0) {
      await successor.stop();
      return;
    }
    this.members[at] = successor;
    this.retiring.add(member);
    this.modelsCache = undefined;
  }

  private emitRetire(member: RuntimeProcess): void {
    const sessionIds = new Set(member.sessionIds());
    if (sessionIds.size === 0) return;
    for (const listener of this.retireListeners) listener(sessionIds);
  }

  /** Stops a retired runtime; sessions it still held (a turn that outlasted the drain) are lost with it. */
  private async finishRetired(member: RuntimeProcess, leftBehind: ReadonlySet<string>): Promise<void> {
    if (leftBehind.size > 0) {
      for (const listener of this.lostListeners) listener("the runtime was recycled before its last turns ended", leftBehind);
    }
    this.lostBefore += member.restarts;
    this.retiring.delete(member);
    await member.stop();
  }

  private async startRelay(providerBaseUrl: string): Promise<ProviderRelay> {
    this.relay ??= ProviderRelay.start(providerBaseUrl).catch((error: unknown) => {
      this.relay = undefined;
      throw error;
    });
    return this.relay;
  }
}
