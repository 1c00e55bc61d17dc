// What the audit learns of server-side tool calls, on the turn recorded with
// server-everything's echo: one report per call once it completes, with the
// server's own tool name, the runtime's times and the sizes; a failure's
// outcome from what the runtime says; a call the turn never saw end reported
// as an error when the turn ends.
import type { SessionEvent } from "@github/copilot-sdk";
import { describe, expect, it } from "vitest";
import { failureOutcome, type ServerToolCall } from "../../src/turns/server-tool-audit.js";
import { eventsOf, recordedTurn } from "../fixtures/recorded-turns.js";
import { eventsBefore, translate, translator } from "../support/turn-translation.js";

const turn = recordedTurn("server-tool-call");
const start = eventsOf(turn, "tool.execution_start")[0]!;
const complete = eventsOf(turn, "tool.execution_complete")[0]!;

describe("TurnTranslator: the audit of server-side tool calls", () => {
  it("reports the recorded echo call once, when it completed, with the server's tool name, times and sizes", () => {
    const calls: ServerToolCall[] = [];
    const { outcome } = translate("server-tool-call", { onServerToolCall: (call) => calls.push(call) });
    expect(outcome?.kind).toBe("completed");
    expect(calls).toEqual([
      {
        server: "everything",
        tool: "echo",
        startedAt: Date.parse(start.timestamp),
        durationMs: Date.parse(complete.timestamp) - Date.parse(start.timestamp),
        outcome: "ok",
        argumentsBytes: '{"message":"hi"}'.length,
        resultBytes: "Echo: hi".length,
        argumentsText: '{"message":"hi"}',
      },
    ]);
    expect(calls[0]!.durationMs).toBeGreaterThan(0);
  });

  it("counts sizes in UTF-8 bytes", () => {
    const calls: ServerToolCall[] = [];
    const run = translator({ clientTools: new Set(), onServerToolCall: (call) => calls.push(call) });
    run.translation.handle({ ...start, data: { ...start.data, arguments: { message: "é" } } } as SessionEvent);
    run.translation.handle({ ...complete, data: { ...complete.data, result: { content: "Echo: é" } } } as SessionEvent);
    expect(calls[0]).toMatchObject({ argumentsText: '{"message":"é"}', argumentsBytes: 16, resultBytes: 8 });
  });

  it("reports a failed call with the outcome the failure names, and the failure's size", () => {
    const calls: ServerToolCall[] = [];
    const run = translator({ clientTools: new Set(), onServerToolCall: (call) => calls.push(call) });
    run.translation.handle(start);
    run.translation.handle({ ...complete, data: { toolCallId: start.data.toolCallId, success: false, error: { message: "MCP error -32001: Request timed out" } } } as SessionEvent);
    expect(calls).toMatchObject([{ server: "everything", tool: "echo", outcome: "timeout", resultBytes: 35 }]);
  });

  it("tells a refusal, a timeout and another failure apart", () => {
    expect(failureOutcome({ message: "MCP error -32001: Request timed out" })).toBe("timeout");
    expect(failureOutcome({ code: "denied", message: "The user rejected this tool call." })).toBe("refused");
    expect(failureOutcome({ message: "Permission denied and could not request permission from user" })).toBe("refused");
    expect(failureOutcome({ message: "MCP server 'crashing': Connection closed" })).toBe("error");
    expect(failureOutcome(undefined)).toBe("error");
  });

  it("reports a call the turn ended before it completed (the cap) as an error, once", () => {
    const calls: ServerToolCall[] = [];
    const { outcome } = translate("server-tool-call", { serverTools: { maxCalls: 0, callTimeoutMs: 60_000 }, onServerToolCall: (call) => calls.push(call) });
    expect(outcome?.kind).toBe("failed");
    expect(calls).toMatchObject([{ server: "everything", tool: "echo", outcome: "error", resultBytes: 0 }]);
  });

  it("reports a call still running when the client left as an error", () => {
    const calls: ServerToolCall[] = [];
    const { translation, outcomes } = translate("server-tool-call", { onServerToolCall: (call) => calls.push(call) }, eventsBefore("server-tool-call", "tool.execution_complete"));
    expect(calls).toEqual([]);
    translation.clientAborted(new Error("gone"));
    expect(outcomes).toEqual([{ kind: "client_aborted" }]);
    expect(calls).toMatchObject([{ tool: "echo", outcome: "error" }]);
  });

  it("follows only MCP servers' calls: a client tool's call is not reported", () => {
    const calls: ServerToolCall[] = [];
    translate("tool-results-answered", { onServerToolCall: (call) => calls.push(call) });
    expect(calls).toEqual([]);
  });
});
