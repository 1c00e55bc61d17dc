// Tool-call records for the audit's tests, written straight to the store:
// the execution that makes them in a turn is tested on its own.
import type { ToolCallRecord } from "../../src/tools/tool-call-log.js";

export const TOOL_CALL_T0 = Date.UTC(2026, 0, 10, 12);

export function toolCall(overrides: Partial<ToolCallRecord> = {}): ToolCallRecord {
  return {
    at: TOOL_CALL_T0,
    requestId: "req_1",
    caller: "key_mona",
    keyId: "key_mona",
    model: "gpt-4.1",
    server: "tickets",
    tool: "search",
    durationMs: 120,
    outcome: "ok",
    argumentsBytes: 42,
    resultBytes: 1_024,
    arguments: null,
    ...overrides,
  };
}
