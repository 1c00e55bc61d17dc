// Ready sessions for new conversations. Opening a session is most of a new
// conversation's time to first token (the runtime's createSession), and an
// agent or a batch script opens conversation after conversation with the same
// model, system prompt and tools. So for each session configuration seen
// lately one session is opened ahead of need, while the runtime is not busy,
// and handed to the next new conversation of that configuration; it is opened
// again after use. Bounded (one per configuration, `max` in all, the least
// recently used configuration's dropped first), and closed when unused for
// `idleMs`. They are not turns: no caller's limits apply to them.
import type { CopilotSession } from "@github/copilot-sdk";
import type { Runtime, SessionSpec } from "../runtime/runtime.js";

export interface WarmSessionsOptions {
  /** Configurations kept ready at most; 0 turns warm sessions off. */
  max: number;
  /** A ready session unused for this long is closed. */
  idleMs: number;
  /** Whether the runtime has room for a session nobody waits for yet. */
  hasRoom: () => boolean;
}

interface Ready {
  /** Resolves to the session, or undefined when opening it failed. */
  session: Promise<CopilotSession | undefined>;
  readyAt: number;
}

export class WarmSessions {
  /** By configuration key, least recently used first. */
  private readonly ready = new Map<string, Ready>();

  constructor(
    private readonly runtime: Runtime,
    private readonly options: WarmSessionsOptions,
  ) {}

  get size(): number {
    return this.ready.size;
  }

  /**
   * The ready session for `key`, if one is ready or being opened (it is
   * awaited, up to `waitMs`: it was started earlier than a new one would be).
   * Undefined when there is none, or the request is abandoned while it waits.
   */
  async take(key: string, signal: AbortSignal, waitMs: number): Promise<CopilotSession | undefined> {
    const entry = this.ready.get(key);
    if (!entry) return undefined;
    this.ready.delete(key);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), waitMs)));
    const session = await Promise.race([entry.session, abandoned(signal), waited]).finally(() => clearTimeout(timer));
    if (signal.aborted || session === "late") {
      // The client left (or the opening is stuck): the session stays ready for the next one.
      if (!this.ready.has(key)) this.ready.set(key, entry);
      else void entry.session.then((late) => late && this.runtime.closeSession(late));
      return undefined;
    }
    if (session && this.runtime.isRetiring?.(session.sessionId)) {
      void this.runtime.closeSession(session);
      return undefined;
    }
    return session;
  }

  /**
   * Opens a session for `key` ahead of need, unless one is there, it is off,
   * or the runtime is busy. Called when a conversation of that configuration
   * has had its turn: opening it beside that turn would slow the turn down.
   */
  prepare(key: string, spec: SessionSpec): void {
    if (this.options.max <= 0 || this.ready.has(key) || !this.options.hasRoom()) return;
    const session = this.runtime.openSession(spec).catch(() => undefined);
    this.ready.set(key, { session, readyAt: Date.now() });
    while (this.ready.size > this.options.max) this.drop(this.ready.keys().next().value!);
  }

  /** Resolves once every session being opened ahead is open (or failed). */
  async settled(): Promise<void> {
    await Promise.all([...this.ready.values()].map((entry) => entry.session));
  }

  /** Closes ready sessions unused for longer than the idle time. */
  sweep(now = Date.now()): void {
    for (const [key, entry] of this.ready) if (now - entry.readyAt >= this.options.idleMs) this.drop(key);
  }

  /** Lets go of ready sessions on a runtime that died or is being replaced (their state is closed once it answers). */
  release(sessionIds: ReadonlySet<string>): void {
    for (const [key, entry] of this.ready) {
      void entry.session.then((session) => {
        if (!session || !sessionIds.has(session.sessionId) || this.ready.get(key) !== entry) return;
        this.ready.delete(key);
        void this.runtime.closeSession(session.sessionId);
      });
    }
  }

  async closeAll(): Promise<void> {
    const entries = [...this.ready.values()];
    this.ready.clear();
    await Promise.all(entries.map(async (entry) => {
      const session = await entry.session;
      if (session) await this.runtime.closeSession(session);
    }));
  }

  private drop(key: string): void {
    const entry = this.ready.get(key);
    this.ready.delete(key);
    void entry?.session.then((session) => session && this.runtime.closeSession(session));
  }
}

/** Resolves (to undefined) when the request is abandoned. */
function abandoned(signal: AbortSignal): Promise<undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(undefined), { once: true }));
}
