// OpenAI's reasoning efforts onto the runtime's. Shared by the chat
// (`reasoning_effort`) and Responses (`reasoning.effort`) dialects (B.5 #31).
import { badRequest } from "../../core/gateway-error.js";
import type { ReasoningEffort } from "../../core/turn.js";

const PASSED_THROUGH_EFFORTS: readonly string[] = ["low", "medium", "high", "xhigh", "max"] satisfies ReasoningEffort[];

/** `param` names the field in the client's dialect for the 400 on an unknown value. */
export function toReasoningEffort(effort: string | null | undefined, param: string): ReasoningEffort | undefined {
  if (effort === null || effort === undefined) return undefined;
  // The Copilot runtime has no effort below "low": the closest it can do to "minimal"/"none".
  if (effort === "minimal" || effort === "none") return "low";
  if (PASSED_THROUGH_EFFORTS.includes(effort)) return effort as ReasoningEffort;
  throw badRequest(
    `Invalid '${param}': expected one of 'none', 'minimal', 'low', 'medium', 'high', 'xhigh' or 'max', got ${JSON.stringify(effort)}.`,
    param,
    "unsupported_value",
  );
}
