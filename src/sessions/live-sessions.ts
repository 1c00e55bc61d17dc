// Which conversations' sessions stay live (connected to their runtime) and
// which are suspended.
//
// Sessions waiting on tool calls stay live (an agent loop's next step costs a
// few milliseconds), and so do the most recently used idle ones: resuming a
// suspended session costs as much as opening one (~25 ms of the runtime's
// CPU), while idle live ones cost, at 0, 32 or 128 of them, no measurable
// time or CPU to other sessions' turns or opens. Their memory does: ~60 MB
// each on the runtime shipped now, given back to be reused once suspended, so
// the limit's default is what the runtimes' memory limit holds
// (config/session-memory.ts). Beyond the limit (`liveSessions`) the least recently used
// are suspended, and resumed when their conversation goes on: a limit below
// the conversations in use makes every turn a resume (at 32, 50 concurrent
// chats cost the runtime 37 ms of CPU per turn against 20).
import type { CopilotSession } from "@github/copilot-sdk";
import type { Runtime, SessionSpec } from "../runtime/runtime.js";
import type { ToolGates } from "../runtime/tool-gates.js";
import { SessionApprovals } from "../turns/tool-approvals.js";

/** A conversation's Copilot session: live while a turn runs or tool calls wait, suspended otherwise. */
export interface HeldSession {
  readonly sessionId: string;
  readonly spec: SessionSpec;
  /** The partition its conversations are kept in (conversation.ts): where it may be recycled to. */
  readonly partition: string;
  /** The session's first user message, once a turn sent it (or a seeded history held it): rewound to, the session holds nothing of its conversation. */
  startEventId?: string;
  /**
   * Its history was read back from disk (seeded, or resumed): its model calls
   * pass the BYOK relay, which removes the private field the runtime adds to
   * tool messages read back. A session opened new calls the provider directly.
   */
  readBack?: boolean;
  live: CopilotSession | undefined;
  suspending: Promise<void> | undefined;
  /** A session opened with approval rules: its calls waiting on the client (tool-approvals.ts). */
  readonly approvals?: SessionApprovals;
}

/**
 * A session just opened for a conversation: live, as its first turn is
 * about to run. One with approval rules gets the gate its calls wait at.
 */
export function heldSession(session: CopilotSession, spec: SessionSpec, partition: string, gates?: ToolGates): HeldSession {
  const held: HeldSession = { sessionId: session.sessionId, spec, partition, live: session, suspending: undefined };
  if (!spec.mcpApprovals || !gates) return held;
  const approvals = new SessionApprovals(spec.mcpApprovals);
  gates.set(session.sessionId, approvals.gate);
  return { ...held, approvals };
}

export class LiveSessions {
  /** Idle conversations whose session is still live, least recently used first. */
  private readonly idle = new Set<HeldSession>();

  constructor(
    private readonly runtime: Pick<Runtime, "suspendSession" | "closeSession" | "isRetiring" | "toolGates">,
    /** Idle sessions kept live at most. */
    private readonly limit: number,
    /** Offered the least recently used idle session past the limit before it is suspended; true when it took the session (recycled-sessions.ts). */
    private readonly takeOverflow: (held: HeldSession) => boolean = () => false,
  ) {}

  /** Whether a held session may take another turn: not when its runtime is being replaced. */
  staysOn(held: HeldSession): boolean {
    return !this.runtime.isRetiring?.(held.sessionId);
  }

  /** A turn takes the session: it is not idle, so never suspended under the turn. */
  claim(held: HeldSession): void {
    this.idle.delete(held);
  }

  /** An idle conversation's session stays live among the most recently used; the least recently used beyond those is suspended. */
  keepIdle(held: HeldSession): void {
    if (!held.live) return;
    this.idle.delete(held);
    this.idle.add(held);
    for (const oldest of this.idle) {
      if (this.idle.size <= this.limit) break;
      this.idle.delete(oldest);
      if (!this.takeOverflow(oldest)) this.suspend(oldest);
    }
  }

  /**
   * Hands an idle session's live connection over (to be recycled) without
   * closing it; undefined when it is suspended, or has approval rules (their
   * gate is the conversation's).
   */
  handOver(held: HeldSession): CopilotSession | undefined {
    if (!held.live || held.approvals) return undefined;
    this.idle.delete(held);
    const session = held.live;
    held.live = undefined;
    return session;
  }

  /** The session, live: a suspended one is reconnected by `resume` once its suspension is done. */
  async wake(held: HeldSession, resume: () => Promise<CopilotSession>): Promise<CopilotSession> {
    if (!held.live) {
      await held.suspending;
      held.live = await resume();
      held.readBack = true;
    }
    return held.live;
  }

  /** Lets go of a session whose runtime died, without waiting: its state is closed by id once a runtime answers. */
  forget(held: HeldSession): void {
    this.idle.delete(held);
    this.releaseApprovals(held);
    void this.runtime.closeSession(held.sessionId);
  }

  /** Closes a session leaving the ledger, once any suspension of it is done. */
  async close(held: HeldSession): Promise<void> {
    this.idle.delete(held);
    this.releaseApprovals(held);
    await held.suspending;
    await this.runtime.closeSession(held.live ?? held.sessionId);
  }

  /** Calls still waiting on the client are declined: nobody can approve them any more. */
  private releaseApprovals(held: HeldSession): void {
    if (!held.approvals) return;
    held.approvals.close();
    this.runtime.toolGates?.delete(held.sessionId);
  }

  private suspend(held: HeldSession): void {
    const live = held.live;
    if (!live) return;
    held.live = undefined;
    held.suspending = this.runtime.suspendSession(live);
  }
}
