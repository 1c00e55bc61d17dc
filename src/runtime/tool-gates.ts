// The runtime asks before it runs any tool of a session opened with approval
// rules (the SDK's pre-tool-use hook); the answer comes from the gate the
// layers above set for that session. A call may wait there between two HTTP
// requests: the client approves it in its next request. A session with no
// gate set (it is closing) has its calls declined, never left hanging.

/** The hook's answer, in the SDK's shape (its PreToolUseHookOutput, which the package does not export). */
export interface PreToolUseAnswer {
  permissionDecision: "allow" | "deny";
  permissionDecisionReason?: string;
}
export interface GatedToolCall {
  /** The tool as the model called it: `<server>-<tool>` for an MCP server's. */
  toolName: string;
  arguments: unknown;
}

export type GateDecision = { allow: true } | { allow: false; reason: string };

export type ToolGate = (call: GatedToolCall) => GateDecision | Promise<GateDecision>;

const NO_GATE: GateDecision = { allow: false, reason: "The session is closing; the call was not run." };

export class ToolGates {
  private readonly gates = new Map<string, ToolGate>();

  set(sessionId: string, gate: ToolGate): void {
    this.gates.set(sessionId, gate);
  }

  delete(sessionId: string): void {
    this.gates.delete(sessionId);
  }

  /** The hook's answer for one call of the session. */
  async decide(sessionId: string, call: GatedToolCall): Promise<PreToolUseAnswer> {
    const gate = this.gates.get(sessionId);
    const decision = gate ? await gate(call) : NO_GATE;
    return decision.allow ? { permissionDecision: "allow" } : { permissionDecision: "deny", permissionDecisionReason: decision.reason };
  }
}
