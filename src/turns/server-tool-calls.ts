// The tool calls of a turn that are the runtime's business: any call of a
// tool the client did not declare (a granted MCP server's `<server>-<tool>`,
// or a name the model made up, which the runtime fails on its own). The
// runtime runs each and calls the model again with the result, inside the
// same turn; the client sees only the answer. This part counts them against
// the turn's cap and says which run now, for the turn's clocks.
import { GatewayError } from "../core/gateway-error.js";

/** Server-side tool calls one turn may make, by default: a model that calls more is looping. */
export const DEFAULT_MAX_SERVER_TOOL_CALLS = 25;
/** How long one server-side tool call may run, by default (the SDK's per-server `timeout`). */
export const DEFAULT_SERVER_TOOL_TIMEOUT_MS = 60_000;

export interface ServerToolLimits {
  maxCalls: number;
  callTimeoutMs: number;
}

/** Which tool names are the client's: `undefined` (no list) takes every call to be the client's. */
export type ClientTools = ReadonlySet<string> | undefined;

export function isClientTool(clientTools: ClientTools, name: string | undefined): boolean {
  return clientTools === undefined || (name !== undefined && clientTools.has(name));
}

export class ServerToolCalls {
  private made = 0;
  private readonly running = new Set<string>();

  constructor(
    private readonly clientTools: ClientTools,
    readonly limits: ServerToolLimits,
  ) {}

  /**
   * The runtime started running a call (`tool.execution_start`). Returns
   * whether it is a server-side call, and the error that ends the turn when
   * it is one more than the cap.
   */
  started(toolCallId: string, toolName: string, mcpServerName: string | undefined): { server: boolean; overCap?: GatewayError } {
    if (mcpServerName === undefined && isClientTool(this.clientTools, toolName)) return { server: false };
    this.running.add(toolCallId);
    this.made++;
    if (this.made <= this.limits.maxCalls) return { server: true };
    return { server: true, overCap: overCap(this.limits.maxCalls) };
  }

  /** Calls an earlier turn of the session started, which run on in this one (they counted there). */
  carriedOver(toolCallIds: readonly string[]): void {
    for (const id of toolCallIds) this.running.add(id);
  }

  /** Calls running now, for the next turn to take over. */
  runningIds(): string[] {
    return [...this.running];
  }

  /** A call ended (`tool.execution_complete`); whether it was a server-side one. */
  completed(toolCallId: string): boolean {
    return this.running.delete(toolCallId);
  }

  /** Server-side calls running now. */
  get runningNow(): number {
    return this.running.size;
  }
}

// 502, as when the model ignores tool_choice: the model, upstream of the
// gateway, kept calling tools instead of answering; the request was fine.
// Not to be retried by SDKs (x-should-retry: false): the same request would
// most likely loop again, and every round is a billed model call.
function overCap(max: number): GatewayError {
  return new GatewayError({
    status: 502,
    code: "server_tool_calls_exceeded",
    shouldRetry: false,
    message: `The model called server-side tools more than ${max} times in one turn, the gateway's limit per turn; the turn was stopped.`,
    detail: `GATEWAY_MCP_MAX_CALLS_PER_TURN is ${max}`,
  });
}
