// `thinking` and `output_config.effort` → the runtime's reasoning effort, and
// whether the answer may carry `thinking` blocks.
import { badRequest } from "../../core/gateway-error.js";
import type { ReasoningEffort } from "../../core/turn.js";
import type { MessagesRequestBody } from "./schema.js";

/**
 * `thinking.budget_tokens` → effort, by the budgets Claude Code sends for its
 * thinking keywords: "think" is 4,000 (→ low), "think hard" / "megathink"
 * 10,000 (→ medium), "ultrathink" and the default thinking mode 31,999 (→ high).
 * The runtime has no token budget, only these levels.
 */
export const THINKING_BUDGET_LEVELS: readonly { below: number; effort: ReasoningEffort }[] = [
  { below: 4_096, effort: "low" },
  { below: 16_384, effort: "medium" },
];

const EFFORTS: readonly string[] = ["low", "medium", "high", "xhigh", "max"] satisfies ReasoningEffort[];

export interface ReasoningSettings {
  reasoningEffort?: ReasoningEffort;
  /**
   * True when the request turned thinking on (`enabled` or `adaptive`, not
   * `display: "omitted"`): only then does the answer carry `thinking` blocks,
   * as with Anthropic, so a client that did not ask never meets one.
   */
  thinkingBlocks: boolean;
}

/** `output_config.effort` (the effort beta) wins over a thinking budget; `disabled` and `adaptive` leave the model's default. */
export function toReasoningSettings(body: Pick<MessagesRequestBody, "thinking" | "output_config">): ReasoningSettings {
  const { thinking } = body;
  const thinkingOn = thinking?.type === "enabled" || thinking?.type === "adaptive";
  const settings: ReasoningSettings = { thinkingBlocks: thinkingOn && thinking?.display !== "omitted" };

  if (thinking?.type === "enabled") {
    const budget = thinking.budget_tokens;
    if (budget === null || budget === undefined) {
      throw badRequest("Missing required parameter: 'thinking.budget_tokens' (thinking of type 'enabled' needs a budget).", "thinking.budget_tokens", "missing_required_parameter");
    }
    settings.reasoningEffort = THINKING_BUDGET_LEVELS.find((level) => budget < level.below)?.effort ?? "high";
  }

  const effort = body.output_config?.effort;
  if (effort !== null && effort !== undefined) {
    if (!EFFORTS.includes(effort)) {
      throw badRequest(
        `Invalid 'output_config.effort': expected one of 'low', 'medium', 'high', 'xhigh' or 'max', got ${JSON.stringify(effort)}.`,
        "output_config.effort",
        "unsupported_value",
      );
    }
    settings.reasoningEffort = effort as ReasoningEffort;
  }
  return settings;
}
