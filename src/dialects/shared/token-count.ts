// Token counts as every dialect writes them: the runtime's numbers may be
// fractional, negative or missing, and clients sum and compare them.
import type { Usage } from "../../core/turn.js";

/** A whole, non-negative count: cost trackers (LiteLLM, Codex) read integers (B.4 #26). */
export function tokenCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

/** What a finished turn that reported no usage is counted as. */
export const ZERO_USAGE: Usage = { promptTokens: 0, completionTokens: 0 };
