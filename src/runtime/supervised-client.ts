// One Copilot runtime's client and its supervision: the CopilotClient,
// spawned (embedded) or connected to a `copilot --headless` server; it
// notices the runtime's death (the connection closing, missed heartbeats)
// and replaces the client, with growing pauses, until one answers. The
// sessions on it are runtime-process.ts's.
import { readFileSync } from "node:fs";
import { CopilotClient, RuntimeConnection } from "@github/copilot-sdk";
import type { ProcessSettings } from "./runtime-settings.js";

/** By default a ready runtime is pinged every 5 s; three pings in a row unanswered within 5 s and it counts as hung. */
const DEFAULT_HEARTBEAT = { intervalMs: 5_000, timeoutMs: 5_000, failures: 3 };
/**
 * The runtime allocates with glibc's malloc, which gives its threads up to 8
 * arenas per core and keeps what they free scattered in them: past the
 * session caps, 1,000 new conversations grew a runtime on 2 cores by ~1 GB,
 * most of it free memory in 16 arenas. With 2 arenas it grew by ~0.17 GB
 * (what it keeps itself, memory-growth.ts), a burst of 20 conversations at
 * once left 0.75 GB instead of 1.4 GB, and a conversation cost the runtime
 * the same CPU.
 */
const RUNTIME_MALLOC_ARENAS = "2";
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

export class SupervisedClient {
  private current: CopilotClient;
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

  constructor(private readonly settings: ProcessSettings) {
    this.current = this.createClient();
  }

  /** The client now: after a replacement, a new one. */
  get client(): CopilotClient {
    return this.current;
  }

  /** How many times the runtime was lost and replaced. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Started and serving, not being replaced or stopped. */
  get healthy(): boolean {
    return !this.stopped && !this.recovery && this.starting !== undefined;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Why the runtime is being replaced, while it is. */
  get restarting(): string | undefined {
    return this.recovery ? (this.lostReason ?? "the runtime was lost") : undefined;
  }

  /** How long the current runtime process has been up. */
  get ageMs(): number {
    return Date.now() - this.startedAt;
  }

  /** The embedded runtime's resident memory (Linux); undefined for an external one or where /proc is not there. */
  residentBytes(): number | undefined {
    // The SDK keeps its child private; its pid is the only way to see what the runtime holds.
    const pid = (this.current as unknown as { cliProcess?: { pid?: number } | null }).cliProcess?.pid;
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
      const client = this.current;
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
    const errors = await this.current.stop().catch(() => []);
    if (errors.length > 0) await this.current.forceStop().catch(() => undefined);
  }

  /** The client once the runtime runs: after waiting (a while) for a lost one's replacement, and starting it if need be. */
  async running(): Promise<CopilotClient> {
    await this.awaitRecovery();
    await this.start();
    return this.current;
  }

  /** Waits for a lost runtime's replacement — a restart usually takes well under a second — but not through an outage. */
  async awaitRecovery(): Promise<void> {
    const recovery = this.recovery;
    if (!recovery) return;
    const recovered = await Promise.race([recovery.then(() => true), sleep(RECOVERY_WAIT_MS).then(() => false)]);
    if (!recovered) throw new RuntimeUnavailableError(this.lostReason ?? "the runtime was lost");
  }

  /**
   * Runs `call`, and when it fails because the runtime died, once more on the
   * runtime that replaced it. A failure of a runtime that still answers is
   * the call's own, and thrown as it is.
   */
  async withRestart<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(await this.restartIfDead())) throw error;
      return call();
    }
  }

  /**
   * The SDK exposes no connection state, so a failed call is followed by a
   * ping: when that fails too, the runtime died (or the external server went
   * away) and a fresh client replaces it. Returns whether it restarted.
   */
  private async restartIfDead(): Promise<boolean> {
    if (this.recovery) {
      await this.awaitRecovery();
      return true;
    }
    const client = this.current;
    const alive = await withTimeout(client.ping(), 2_000).then(
      () => true,
      () => false,
    );
    if (alive) return false;
    this.lose(client, "the runtime did not answer");
    await this.awaitRecovery();
    return true;
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
    const client = this.current;
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
    if (client !== this.current || this.recovery || this.stopped) return;
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
      this.current = this.createClient();
      this.starting = undefined;
      try {
        await this.start();
        await withTimeout(this.current.ping(), (this.settings.heartbeat ?? DEFAULT_HEARTBEAT).timeoutMs);
        return;
      } catch (error) {
        this.lostReason = `restart failed: ${error instanceof Error ? error.message : String(error)}`;
        await withTimeout(this.current.forceStop(), 5_000).catch(() => undefined);
      }
    }
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
      ...(connection.kind === "embedded" ? { env: embeddedEnvironment(env) } : {}),
      ...(connection.kind === "external"
        ? { connection: RuntimeConnection.forUri(connection.url, connection.token ? { connectionToken: connection.token } : {}) }
        : {}),
      // An external runtime authenticates itself (the SDK refuses a token for one).
      ...(githubToken && connection.kind === "embedded" ? { gitHubToken: githubToken } : {}),
      // Without a token the logged-in user is used. BYOK and github mode need no
      // login: looking for one (a `gh` search and two forks) was ~30 % of a new session's CPU.
      ...(!githubToken && connection.kind === "embedded" ? { useLoggedInUser: !tokenPerCaller && !provider } : {}),
    });
  }
}

/**
 * What an embedded runtime starts with: the given environment (the gateway's
 * own, inherited as a spawn would, when none is given), its allocator's
 * arenas capped unless that environment caps them itself.
 */
export function embeddedEnvironment(env: Record<string, string | undefined> | undefined): Record<string, string | undefined> {
  return { MALLOC_ARENA_MAX: RUNTIME_MALLOC_ARENAS, ...(env ?? process.env) };
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
