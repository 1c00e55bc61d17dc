// The two clocks of a turn. Until its first output the model must start
// answering within the turn's deadline, the runtime's retries included (what
// getting the turn its session took comes off it: turns/deadline.ts); a
// runtime that never took the turn's input is named, not the model. Once
// output flows, only silence longer than the stall limit fails the turn (the
// client gets keep-alives meanwhile), so a long answer is never cut for time.
// A server-side tool call the runtime runs is progress too: while one runs
// the clock allows its timeout on top, and after it the model's next call
// gets the deadline afresh, so a slow tool fails its call, not the turn.
import type { GatewayError } from "../core/gateway-error.js";
import { runtimeTimeout, upstreamStalled, upstreamTimeout, type UpstreamFailure } from "./upstream-errors.js";

/**
 * Once the answer is streaming, silence is allowed to last this long (the
 * client gets keep-alives meanwhile) before the call is taken to be hung.
 */
export const STALL_LIMIT_MS = 5 * 60_000;

/** Events that show a streaming answer is still alive. */
export const PROGRESS_EVENTS: ReadonlySet<string> = new Set([
  "assistant.turn_start",
  "assistant.message_start",
  "assistant.message_delta",
  "assistant.reasoning_delta",
  "assistant.tool_call_delta",
  "assistant.streaming_delta",
  "assistant.message",
  "assistant.usage",
]);

export interface TurnTimerSettings {
  deadlineMs: number;
  /** The upstream failure the runtime last reported, if any: a deadline that strikes while it retries reports it. */
  lastFailure: () => UpstreamFailure | undefined;
  /** Called once when a clock runs out, with the error the turn ends with. */
  expired: (error: GatewayError) => void;
}

export class TurnTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private outputSent = false;
  private taken = false;

  constructor(private readonly settings: TurnTimerSettings) {}

  /** Starts the deadline, with `withinMs` of it left (all of it by default). */
  start(withinMs = this.settings.deadlineMs): void {
    this.restart(withinMs, () => this.settings.expired(this.deadlineError()));
  }

  /** The session took the turn's input. */
  inputTaken(): void {
    this.taken = true;
  }

  /** The client got output: from now on the stall limit runs instead of the deadline. Later calls change nothing. */
  answerStarted(): void {
    if (this.outputSent) return;
    this.outputSent = true;
    this.extendStallLimit();
  }

  /**
   * A session event arrived. Once output was sent, one that shows progress
   * restarts the stall limit; before it, the deadline runs on whatever the
   * runtime does.
   */
  saw(eventType: string): void {
    if (this.outputSent && PROGRESS_EVENTS.has(eventType)) this.extendStallLimit();
  }

  /**
   * A server-side tool call started or ended; `running` run now, each for
   * at most `callTimeoutMs` (the runtime fails it then).
   */
  serverToolProgress(running: number, callTimeoutMs: number): void {
    const extra = running > 0 ? callTimeoutMs : 0;
    if (this.outputSent) this.extendStallLimit(extra);
    else this.restartDeadline(extra);
  }

  /** Whether the client got output yet. */
  get answering(): boolean {
    return this.outputSent;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private restartDeadline(extraMs: number): void {
    this.restart(this.settings.deadlineMs + extraMs, () => this.settings.expired(this.deadlineError()));
  }

  /** The model did not start answering (a failure the runtime kept retrying is reported as itself), or the runtime never took the input. */
  private deadlineError(): GatewayError {
    const { deadlineMs, lastFailure } = this.settings;
    const seconds = Math.round(deadlineMs / 1000);
    const failure = lastFailure();
    if (!this.taken && !failure) return runtimeTimeout(seconds, "take the turn");
    return upstreamTimeout(seconds, failure);
  }

  private extendStallLimit(extraMs = 0): void {
    this.restart(STALL_LIMIT_MS + extraMs, () => this.settings.expired(upstreamStalled(Math.round(STALL_LIMIT_MS / 1000))));
  }

  private restart(ms: number, onExpiry: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(onExpiry, ms);
  }
}
