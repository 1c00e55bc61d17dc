// Translating recorded turns for the turn layer's unit tests: a fresh
// TurnTranslator fed a fixture's events, what it emitted, declined and
// ended with, and the contract every translation keeps (core/turn.ts).
import type { SessionEvent } from "@github/copilot-sdk";
import { expect } from "vitest";
import type { TurnEvent } from "../../src/core/turn.js";
import type { PendingToolCall, TurnOutcome } from "../../src/turns/turn-outcome.js";
import { TurnTranslator, type TranslationSettings } from "../../src/turns/turn-translator.js";
import { eventsOf, recordedTurn, type RecordedTurnName } from "../fixtures/recorded-turns.js";

export const PROMPT_CHARS = 40;
export const DEADLINE_MS = 30_000;

export function translator(settings: Partial<TranslationSettings> = {}) {
  const events: TurnEvent[] = [];
  const declined: PendingToolCall[] = [];
  const outcomes: TurnOutcome[] = [];
  const translation = new TurnTranslator(
    { promptChars: PROMPT_CHARS, deadlineMs: DEADLINE_MS, stop: [], parallelToolCalls: true, ...settings },
    { emit: (event) => events.push(event), end: (outcome) => outcomes.push(outcome), decline: (call) => declined.push(call) },
  );
  translation.start();
  return { translation, events, declined, outcomes };
}

/**
 * Feeds a recorded turn's events (or the first `count`) through a fresh
 * translation; a turn recorded with MCP servers is told which tools were the client's.
 */
export function translate(name: RecordedTurnName, settings: Partial<TranslationSettings> = {}, count?: number) {
  const turn = recordedTurn(name);
  const run = translator({ ...(turn.clientTools ? { clientTools: new Set(turn.clientTools) } : {}), ...settings });
  for (const event of turn.events.slice(0, count)) run.translation.handle(event);
  return { ...run, outcome: run.outcomes[0] };
}

/** How many events of a recorded turn come before the first of this type. */
export function eventsBefore(name: RecordedTurnName, type: SessionEvent["type"]): number {
  return recordedTurn(name).events.findIndex((event) => event.type === type);
}

export const userMessageId = (name: RecordedTurnName) => eventsOf(recordedTurn(name), "user.message")[0]!.id;
export const requestIdOf = (name: RecordedTurnName, toolCallId: string) =>
  eventsOf(recordedTurn(name), "external_tool.requested").find((event) => event.data.toolCallId === toolCallId)!.data.requestId;
export const reported = (promptTokens: number, completionTokens: number) => ({ promptTokens, completionTokens, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, cost: 0 });

/**
 * The contract of core/turn.ts: content events, then `usage` at most once,
 * then one `finish` — or an `error`, always last; a call's deltas follow its
 * start and end before the next call starts. A turn the client left ends
 * with neither; the outcome says the same as the last event.
 */
export function expectWellFormed(events: readonly TurnEvent[], outcomes: readonly TurnOutcome[]): void {
  expect(outcomes).toHaveLength(1);
  const outcome = outcomes[0]!;
  let phase: "content" | "usage" | "over" = "content";
  let streamingCall: number | undefined;
  const startedCalls = new Set<number>();
  for (const [at, event] of events.entries()) {
    const where = `event ${at} (${event.type})`;
    expect(phase, `${where} after the end`).not.toBe("over");
    if (event.type === "finish" || event.type === "error") phase = "over";
    else if (event.type === "usage") {
      expect(phase, `${where}: a second usage`).toBe("content");
      phase = "usage";
    } else {
      expect(phase, `${where} after usage`).toBe("content");
      if (event.type === "tool_call_start") {
        expect(startedCalls.has(event.index), `${where}: call ${event.index} started twice`).toBe(false);
        startedCalls.add(event.index);
        streamingCall = event.index;
      }
      if (event.type === "tool_call_delta") expect(event.index, `${where}: not the call streaming now`).toBe(streamingCall);
    }
  }
  const last = events.at(-1);
  if (outcome.kind === "client_aborted") expect(phase).not.toBe("over");
  else if (outcome.kind === "failed") expect(last).toEqual({ type: "error", error: outcome.error });
  else expect(last?.type).toBe("finish");
}
