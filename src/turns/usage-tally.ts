// A turn's usage. The runtime reports one `assistant.usage` per model call,
// and a turn can make several (a tool round, the runtime's own "Please
// continue" after a length stop), so they are summed; a turn it reported none
// for is estimated from characters. The same report says why a call stopped,
// which is how a turn learns the model cut its answer short.
import type { SessionEvent } from "@github/copilot-sdk";
import type { FinishReason, Usage } from "../core/turn.js";

/** The gateway has no tokenizer: about four characters a token, for estimates and the output budget. */
export const CHARS_PER_TOKEN = 4;

export type UsageReport = Extract<SessionEvent, { type: "assistant.usage" }>["data"];

export class UsageTally {
  private reported: Usage | undefined;
  private stoppedEarly: FinishReason | undefined;

  /** Adds one model call's report. */
  add(report: UsageReport): void {
    this.reported = addUsage(this.reported, report);
    if (report.finishReason === "length") this.stoppedEarly = "length";
    else if (report.finishReason === "content_filter" || report.contentFilterTriggered) this.stoppedEarly = "content_filter";
  }

  /** Why a model call of this turn stopped before its answer was done (length, content filter), once its usage said so. */
  get cutShort(): FinishReason | undefined {
    return this.stoppedEarly;
  }

  /**
   * The runtime's usage summed over the turn's model calls; when it reported
   * none, an estimate (`estimated: true`) from the characters sent and shown.
   */
  total(promptChars: number, outputChars: number): Usage {
    return this.reported ?? estimateUsage(promptChars, outputChars);
  }
}

function addUsage(total: Usage | undefined, report: UsageReport): Usage {
  const cost = report.cost === undefined ? total?.cost : (total?.cost ?? 0) + report.cost;
  const nanoAiu = report.copilotUsage === undefined ? total?.nanoAiu : (total?.nanoAiu ?? 0) + report.copilotUsage.totalNanoAiu;
  return {
    ...(cost !== undefined ? { cost } : {}),
    ...(nanoAiu !== undefined ? { nanoAiu } : {}),
    promptTokens: (total?.promptTokens ?? 0) + (report.inputTokens ?? 0),
    completionTokens: (total?.completionTokens ?? 0) + (report.outputTokens ?? 0),
    cachedTokens: (total?.cachedTokens ?? 0) + (report.cacheReadTokens ?? 0),
    cacheWriteTokens: (total?.cacheWriteTokens ?? 0) + (report.cacheWriteTokens ?? 0),
    reasoningTokens: (total?.reasoningTokens ?? 0) + (report.reasoningTokens ?? 0),
  };
}

function estimateUsage(promptChars: number, outputChars: number): Usage {
  return {
    promptTokens: Math.ceil(promptChars / CHARS_PER_TOKEN),
    completionTokens: Math.ceil(outputChars / CHARS_PER_TOKEN),
    estimated: true,
  };
}
