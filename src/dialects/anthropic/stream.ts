// TurnEvents → Anthropic Messages SSE frames (B.13 #73):
// `event: <type>\ndata: <one-line JSON with the same "type">\n\n`.
import type { TurnEvent } from "../../core/turn.js";
import { BlockSequencer, type BlockStep } from "./blocks.js";
import { toAnthropicErrorBody } from "./errors.js";
import { toAnthropicUsage } from "./usage.js";

export interface MessageMeta {
  /** `msg_…`, the same in the stream and in a JSON body. */
  id: string;
  /** The model id as the client named it. */
  model: string;
  /** The request turned thinking on: reasoning becomes `thinking` blocks; otherwise it is dropped. */
  thinking: boolean;
  /**
   * The gateway's estimate of the request's input tokens, for `message_start`.
   * The real count comes with `message_delta`, but older Anthropic SDKs
   * (and so older Claude Code builds) take input tokens from `message_start`
   * only, and Claude Code's context gauge and auto-compact need a number there.
   */
  inputTokens: number;
}

/**
 * Stateful and synchronous; every method returns zero or more complete SSE
 * frames ("" when there is nothing to write), so a write never splits a frame.
 *
 * Contract for the caller:
 * - Call `start()` once, right after the commit point, and write its
 *   `message_start` at once: it flushes the SSE headers. (`encode` and `end`
 *   emit it first if `start` was skipped.)
 * - Pass every TurnEvent of the turn, in order, to `encode`. Blocks follow
 *   the invariants of `blocks.ts`; a `finish` writes `content_block_stop` for
 *   the open block, `message_delta` (stop reason, cumulative usage) and
 *   `message_stop`.
 * - When the events end, call `end()` and write what it returns, then close.
 *   After a `finish` it is "". After an `error` event it is "" too: the
 *   `event: error` frame already ended the stream, and nothing follows it
 *   (B.13 #77). If the events stopped with neither, `end()` writes an error
 *   frame instead of pretending the answer was complete.
 * - Keep-alives between frames are `pingFrame()` (B.13 #76).
 */
export class AnthropicStreamEncoder {
  private readonly blocks: BlockSequencer;
  private started = false;

  constructor(private readonly meta: MessageMeta) {
    this.blocks = new BlockSequencer({ thinking: meta.thinking });
  }

  start(): string {
    if (this.started) return "";
    this.started = true;
    return frame("message_start", {
      type: "message_start",
      message: {
        id: this.meta.id,
        type: "message",
        role: "assistant",
        model: this.meta.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: this.meta.inputTokens, output_tokens: 0 },
      },
    });
  }

  encode(event: TurnEvent): string {
    return this.write(this.blocks.push(event));
  }

  end(): string {
    return this.write(this.blocks.end());
  }

  /** A keep-alive for between frames; see `pingFrame`. */
  ping(): string {
    return pingFrame();
  }

  private write(steps: BlockStep[]): string {
    if (steps.length === 0) return "";
    return this.start() + steps.map((step) => stepFrame(step, this.meta.inputTokens)).join("");
  }
}

/** Anthropic's own keep-alive; the SDK skips it, and so does Claude Code. */
export function pingFrame(): string {
  return frame("ping", { type: "ping" });
}

function stepFrame(step: BlockStep, estimatedInputTokens: number): string {
  switch (step.kind) {
    case "block_start":
      return frame("content_block_start", { type: "content_block_start", index: step.index, content_block: step.block });
    case "block_delta":
      return frame("content_block_delta", { type: "content_block_delta", index: step.index, delta: step.delta });
    case "block_stop":
      return frame("content_block_stop", { type: "content_block_stop", index: step.index });
    case "message_end":
      return (
        frame("message_delta", {
          type: "message_delta",
          delta: { stop_reason: step.stopReason, stop_sequence: null },
          // Cumulative, and with input tokens: newer SDKs overwrite message_start's estimate with them.
          usage: toAnthropicUsage(step.usage ?? { promptTokens: estimatedInputTokens, completionTokens: 0 }),
        }) + frame("message_stop", { type: "message_stop" })
      );
    case "error":
      return frame("error", toAnthropicErrorBody(step.error));
  }
}

/** JSON.stringify never emits a raw newline, so each frame is one `data:` line. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
