// Decides which Copilot session serves a request, then runs the turn on it:
// the one place the sessions layer is used from above. Its parts: where a
// turn's session comes from (session-sources.ts), what the ledger learns when
// the turn ends (turn-recording.ts), which idle sessions stay live
// (live-sessions.ts), the sessions opened ahead for new conversations
// (warm-sessions.ts) or recycled for them (recycled-sessions.ts), the ledger
// itself and the model catalogue.
import type { Caller } from "../access/caller.js";
import { mcpGrantsOf } from "../access/mcp-grants.js";
import { silentLogger, type Logger } from "../core/logger.js";
import type { TurnEvent, TurnRequest } from "../core/turn.js";
import type { Runtime } from "../runtime/runtime.js";
import { rewindSession } from "../runtime/session-rewind.js";
import { agentServers, type Agent, type AgentDirectory } from "../tools/agents.js";
import { grantedServers, withCallTimeout, type McpServers } from "../tools/mcp-servers.js";
import { resolveRequestedServers, type ResolvedServers } from "../tools/requested-servers.js";
import type { TurnOutcome } from "../turns/run-turn.js";
import type { ServerToolCallListener } from "../turns/server-tool-audit.js";
import { DEFAULT_MAX_SERVER_TOOL_CALLS, DEFAULT_SERVER_TOOL_TIMEOUT_MS, type ServerToolLimits } from "../turns/server-tool-calls.js";
import { checkedOutput, structuredOutputCheck } from "../turns/structured-output.js";
import { requireToolCall, requiresToolCall } from "../turns/tool-choice.js";
import { conversationOf, type Conversation } from "./conversation.js";
import { ConversationLedger } from "./ledger.js";
import { LiveSessions, type HeldSession } from "./live-sessions.js";
import { ModelCatalog } from "./model-catalog.js";
import { RecycledSessions } from "./recycled-sessions.js";
import { SessionSources, type SessionOrigin } from "./session-sources.js";
import { TurnRecorder } from "./turn-recording.js";
import { WarmSessions } from "./warm-sessions.js";

export type { SessionOrigin } from "./session-sources.js";

export interface ConversationServiceOptions {
  deadlineMs: number;
  maxSessions: number;
  sessionTtlMs: number;
  /** Client model names → served ids, before the built-in Claude Code name rules. */
  modelAliases?: ReadonlyMap<string, string>;
  /** Session configurations kept with a ready session (default 4; 0: none). */
  warmSessions?: number;
  /** Idle conversations whose session stays live, the most recently used (default 128). */
  liveSessions?: number;
  /** Sessions of ended conversations kept, rewound, for new ones of the same partition (default 64, at most `liveSessions`; 0: none). */
  recycledSessions?: number;
  /** The operator's MCP servers, which the runtime runs for the sessions granted them (none when absent). */
  mcpServers?: McpServers;
  /** The servers granted to callers without grants of their own (all but virtual keys): names, or `*`; none when absent. */
  defaultMcpGrants?: readonly string[];
  /** URL prefixes under which a request may name a remote MCP server of its own (none when absent). */
  mcpAllowedUrls?: readonly string[];
  /** Server-side tool calls one turn may make (default 25); over it the turn fails. */
  mcpMaxCallsPerTurn?: number;
  /** How long one server-side tool call may run (default 60 s), unless its server sets its own `timeout`. */
  mcpCallTimeoutMs?: number;
  /** The operator's agents, served as models (none when absent); the entry reloads them in place. */
  agents?: AgentDirectory;
  /** The model an agent without one of its own runs on, as clients name models; the first model served when absent. */
  agentsDefaultModel?: string;
  logger?: Logger;
}

/** A ready session unused for this long is closed. */
const WARM_IDLE_MS = 5 * 60_000;
/** A partition keeps as many recycled sessions as it had new conversations running at once, at the most, within this window. */
const RECYCLE_DEMAND_WINDOW_MS = 60_000;
/** Ready sessions are opened only while fewer turns than this run and no session is being opened: never at the expense of a waiting request. */
const WARM_WHILE_TURNS_BELOW = 4;

/** What a turn's caller may ask of it besides the request. */
export interface TurnStartOptions {
  /** Told of each server-side tool call the runtime ran in the turn (the audit). */
  onServerToolCall?: ServerToolCallListener;
}

export interface StartedTurn extends AsyncIterable<TurnEvent> {
  readonly sessionId: string;
  readonly origin: SessionOrigin;
  readonly outcome: Promise<TurnOutcome>;
}

export class ConversationService {
  readonly ledger: ConversationLedger<HeldSession>;
  readonly warm: WarmSessions;
  readonly recycled: RecycledSessions;
  /** The models served, and which one a client's model name means. */
  readonly models: ModelCatalog;
  private readonly live: LiveSessions;
  private readonly recorder: TurnRecorder;
  private readonly sources: SessionSources;
  private readonly serverTools: ServerToolLimits;

  constructor(
    runtime: Runtime,
    private readonly options: ConversationServiceOptions,
  ) {
    const liveLimit = options.liveSessions ?? 128;
    const recycled = new RecycledSessions({
      max: Math.min(options.recycledSessions ?? 64, liveLimit),
      idleMs: WARM_IDLE_MS,
      demandWindowMs: RECYCLE_DEMAND_WINDOW_MS,
      rewind: rewindSession,
      close: (session) => runtime.closeSession(session),
      isRetiring: (sessionId) => runtime.isRetiring?.(sessionId) ?? false,
    });
    // An idle conversation past the live limit, or evicted from the ledger, leaves its session to a new conversation when one is wanted.
    const recycle = (held: HeldSession, leaving: () => boolean): boolean => {
      if (!held.startEventId || !recycled.wants(held.partition) || !live.staysOn(held) || !leaving()) return false;
      const session = live.handOver(held);
      if (session) recycled.offer(held.partition, session, held.startEventId);
      else void live.close(held);
      return true;
    };
    const live: LiveSessions = new LiveSessions(runtime, liveLimit, (held) => recycle(held, () => !held.approvals && held.live !== undefined && ledger.withdraw(held)));
    const ledger: ConversationLedger<HeldSession> = new ConversationLedger<HeldSession>({
      maxSessions: options.maxSessions,
      idleTtlMs: options.sessionTtlMs,
      close: (held) => live.close(held),
      evict: (held) => (recycle(held, () => !held.approvals && held.live !== undefined) ? Promise.resolve() : live.close(held)),
    });
    this.serverTools = { maxCalls: options.mcpMaxCallsPerTurn ?? DEFAULT_MAX_SERVER_TOOL_CALLS, callTimeoutMs: options.mcpCallTimeoutMs ?? DEFAULT_SERVER_TOOL_TIMEOUT_MS };
    const recorder = new TurnRecorder(ledger, live, options.deadlineMs, this.serverTools);
    const warm = new WarmSessions(runtime, { max: options.warmSessions ?? 4, idleMs: WARM_IDLE_MS, hasRoom: () => recorder.turnsRunning < WARM_WHILE_TURNS_BELOW && (runtime.hasRoom?.() ?? true) });
    const agents = options.agents ? { directory: options.agents, ...(options.agentsDefaultModel ? { defaultModel: options.agentsDefaultModel } : {}) } : undefined;
    this.models = new ModelCatalog(runtime, options.modelAliases, agents);
    this.live = live;
    this.ledger = ledger;
    this.recorder = recorder;
    this.warm = warm;
    this.recycled = recycled;
    this.sources = new SessionSources({ runtime, ledger, live, warm, recycled, recorder, deadlineMs: options.deadlineMs, logger: options.logger ?? silentLogger });
  }

  /** Closes idle conversations and ready sessions unused for too long. */
  sweep(): void {
    this.ledger.sweep();
    this.warm.sweep();
    this.recycled.sweep();
  }

  /** Resolves once the turns running now are over and the sessions their endings opened ahead are open (or failed). */
  async settled(): Promise<void> {
    await this.recorder.settled();
    await this.warm.settled();
  }

  /** Closes every session held: at shutdown. */
  async close(): Promise<void> {
    await Promise.all([this.ledger.closeAll(), this.warm.closeAll(), this.recycled.closeAll()]);
  }

  /** The sessions held for conversations to continue: live (connected) or suspended. */
  sessionCounts(): { live: number; suspended: number } {
    let live = 0;
    for (const held of this.ledger.sessions()) if (held.live) live++;
    return { live, suspended: this.ledger.size - live };
  }

  /**
   * The runtime died, and every session with it: forget them all, so their
   * conversations go on seeded on the next request. They are closed (their
   * state deleted) once a runtime answers again.
   */
  forgetSessions(sessionIds?: ReadonlySet<string>): void {
    const taken = sessionIds ? this.ledger.takeWhere((held) => sessionIds.has(held.sessionId)) : this.ledger.takeAll();
    for (const held of taken) this.live.forget(held);
    if (sessionIds) this.warm.release(sessionIds);
    this.recycled.release(sessionIds);
  }

  /**
   * Their runtime is being replaced: idle sessions are closed now, and those
   * running a turn once it is over (their turn is not recorded), so every
   * one of these conversations goes on seeded on another runtime.
   */
  retireSessions(sessionIds: ReadonlySet<string>): void {
    this.ledger.closeIdleWhere((held) => sessionIds.has(held.sessionId));
    this.warm.release(sessionIds);
    this.recycled.release(sessionIds);
  }

  /**
   * `caller` says who is asking (and so which MCP servers its session gets);
   * sessions are never shared across callers. `servedModel` is the
   * request's model as the catalogue resolved it, when the caller
   * (admission) has done so already; `options.onServerToolCall` hears of
   * the turn's server-side tool calls.
   */
  async start(
    request: TurnRequest,
    signal: AbortSignal,
    caller: Pick<Caller, "partition" | "gitHubToken"> & Partial<Pick<Caller, "kind" | "key">>,
    servedModel?: string,
    options: TurnStartOptions = {},
  ): Promise<StartedTurn> {
    const check = request.responseFormat ? structuredOutputCheck(request.responseFormat) : undefined;
    const model = servedModel ?? (await this.models.resolveModel(request.model, caller));
    const agent = this.models.agent(model);
    const conversation = agent ? await this.agentConversation(request, signal, caller, agent) : conversationOf(request, signal, caller, model, this.serversFor(request, caller));
    if (options.onServerToolCall) conversation.onServerToolCall = options.onServerToolCall;
    const { entry, session, turn, origin } = await this.sources.startTurn(conversation);
    let events: AsyncIterable<TurnEvent> = turn;
    if (check) events = checkedOutput(events, check);
    if (requiresToolCall(request)) events = requireToolCall(events);
    if (events !== turn) events = this.recorder.dropOnRejection(events, entry, turn);
    return {
      sessionId: session.sessionId,
      origin,
      outcome: turn.outcome,
      [Symbol.asyncIterator]: () => events[Symbol.asyncIterator](),
    };
  }

  /**
   * The caller's granted servers (for an agent: the servers it names, and
   * the caller's too only for an agent of every tool), and those the request
   * names (403 for one not granted, 400 for a URL the operator does not allow).
   */
  private serversFor(request: TurnRequest, caller: Partial<Pick<Caller, "kind" | "key">>, agent?: Agent): ResolvedServers {
    const { mcpServers, defaultMcpGrants, mcpAllowedUrls } = this.options;
    const grants = mcpGrantsOf(caller, defaultMcpGrants ?? []);
    const { callTimeoutMs } = this.serverTools;
    const granted = mcpServers ? grantedServers(mcpServers, grants) : {};
    const servers = withCallTimeout(agent ? agentServers(agent, granted) : granted, callTimeoutMs);
    if (!request.servers?.length) return { servers, approvals: {} };
    const requested = resolveRequestedServers(request.servers, { configured: mcpServers ?? new Map(), grants, allowedUrls: mcpAllowedUrls ?? [], callTimeoutMs });
    return { servers: { ...servers, ...requested.servers }, approvals: requested.approvals };
  }

  /**
   * A conversation with one of the operator's agents: its session runs as
   * the agent, on the agent's model, with the servers the agent names
   * (granted to whoever may use the agent) and, for an agent of every tool,
   * the caller's own.
   */
  private async agentConversation(request: TurnRequest, signal: AbortSignal, caller: Pick<Caller, "partition" | "gitHubToken"> & Partial<Pick<Caller, "kind" | "key">>, agent: Agent): Promise<Conversation> {
    const model = await this.models.agentModel(agent, caller);
    const { id, displayName, description, prompt } = agent;
    return conversationOf(request, signal, caller, model, this.serversFor(request, caller, agent), { name: id, ...(displayName ? { displayName } : {}), description, prompt });
  }
}
