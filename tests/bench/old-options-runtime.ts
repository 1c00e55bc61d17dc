// The runtime under the bench's "old session options" row: the raw SDK on a
// runtime process of its own, opening sessions as the gateway did before its
// session options were tuned, so that one run sets the runtime's CPU per new
// conversation today beside what it was. The old way differs from today's
// (src/runtime/session-options.ts, supervised-client.ts) in four things: the
// client looks for a GitHub login even in BYOK mode (a `gh` search and two
// forks); every session gets a fresh scratch directory (a `git rev-parse` in
// each); infinite sessions stay on (their checkpoint files); and new sessions
// call the provider through the relay too.
//
// The gateway reaches it through the Runtime contract like any runtime. It
// serves what a row of new conversations asks for: no seeding or forking, no
// recovery of a lost runtime.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { CopilotClient, type CopilotSession } from "@github/copilot-sdk";
import { listProviderModels } from "../../src/runtime/models.js";
import { MAX_OPENING } from "../../src/runtime/runtime-process.js";
import { SessionOpenSlots } from "../../src/runtime/session-open-slots.js";
import { ProviderRelay } from "../../src/runtime/provider-relay.js";
import type { ModelEntry, Runtime, SessionSpec } from "../../src/runtime/runtime.js";
import type { ProviderSettings, RuntimeSettings } from "../../src/runtime/runtime-settings.js";
import { sessionOptions } from "../../src/runtime/session-options.js";

export class OldOptionsRuntime implements Runtime {
  readonly description = "embedded, old session options";
  private readonly client: CopilotClient;
  private readonly provider: ProviderSettings;
  private readonly openSlots = new SessionOpenSlots(MAX_OPENING);
  /** Every session held, live or suspended, with its scratch directory. */
  private readonly scratchDirectories = new Map<string, string>();
  private relay: ProviderRelay | undefined;
  private models: ModelEntry[] = [];

  constructor(private readonly settings: RuntimeSettings) {
    if (!settings.provider || settings.connection.kind !== "embedded") throw new Error("bench: the old session options are measured on an embedded BYOK runtime");
    this.provider = settings.provider;
    // The old client: a login lookup although BYOK needs none.
    this.client = new CopilotClient({ mode: "empty", baseDirectory: settings.dataDir, logLevel: "error", useLoggedInUser: true });
  }

  async start(): Promise<void> {
    await mkdir(this.scratchRoot, { recursive: true });
    this.relay = await ProviderRelay.start(this.provider.baseUrl);
    // Read once: the pool caches its list too, and the scripted upstream's never changes.
    this.models = await listProviderModels(this.provider);
    await this.client.start();
  }

  async stop(): Promise<void> {
    const errors = await this.client.stop().catch(() => []);
    if (errors.length > 0) await this.client.forceStop().catch(() => undefined);
    await Promise.all([...this.scratchDirectories.values()].map((dir) => rm(dir, { recursive: true, force: true })));
    this.scratchDirectories.clear();
    await this.relay?.close();
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async listModels(): Promise<ModelEntry[]> {
    return this.models;
  }

  async openSession(spec: SessionSpec, signal?: AbortSignal): Promise<CopilotSession> {
    const release = await this.openSlots.enter(signal);
    try {
      const dir = await mkdtemp(join(this.scratchRoot, "s-"));
      try {
        const session = await this.client.createSession(this.oldOptions(spec, dir));
        this.scratchDirectories.set(session.sessionId, dir);
        return session;
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    } finally {
      release();
    }
  }

  async suspendSession(session: CopilotSession): Promise<void> {
    await session.disconnect().catch(() => undefined);
  }

  resumeSession(sessionId: string, spec: SessionSpec): Promise<CopilotSession> {
    const dir = this.scratchDirectories.get(sessionId);
    if (!dir) return Promise.reject(new Error(`bench: session ${sessionId} is not known to the old-options runtime`));
    return this.client.resumeSession(sessionId, { ...this.oldOptions(spec, dir), suppressResumeEvent: true });
  }

  seedSession(): Promise<CopilotSession> {
    return Promise.reject(new Error("bench: the old-options runtime does not seed sessions"));
  }

  async closeSession(session: CopilotSession | string): Promise<void> {
    const sessionId = typeof session === "string" ? session : session.sessionId;
    if (typeof session !== "string") await session.disconnect().catch(() => undefined);
    await this.client.deleteSession(sessionId).catch(() => undefined);
    const dir = this.scratchDirectories.get(sessionId);
    this.scratchDirectories.delete(sessionId);
    if (dir) await rm(dir, { recursive: true, force: true });
  }

  private get scratchRoot(): string {
    return join(this.settings.dataDir, "scratch");
  }

  /** Today's session options but for the two the old way lacked: infinite sessions off (the runtime's default is on), and a provider called directly. */
  private oldOptions(spec: SessionSpec, workingDirectory: string) {
    const { infiniteSessions: _infiniteSessionsOff, ...options } = sessionOptions(spec, workingDirectory, { provider: this.provider, providerBaseUrl: this.relay!.baseUrl });
    return options;
  }
}
