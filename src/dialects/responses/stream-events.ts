// The Responses stream's events as openai-node types them (`ResponseStreamEvent`),
// less the `sequence_number` the encoder gives each as it writes it. Fields are
// listed in the order they are written.
import type { OutputItem, OutputText, ReasoningItem, ResponseObject } from "./response-object.js";

export type SummaryText = ReasoningItem["summary"][number];

/** Where an item's events point: openai-node's accumulator finds the item by `output_index`. */
export interface ItemRef {
  output_index: number;
  item_id: string;
}

export type ResponseStreamEvent =
  | { type: "response.created" | "response.in_progress" | "response.completed" | "response.incomplete" | "response.failed"; response: ResponseObject }
  | { type: "response.output_item.added" | "response.output_item.done"; output_index: number; item: OutputItem }
  | ({ type: "response.content_part.added" | "response.content_part.done" } & ItemRef & { content_index: 0; part: OutputText })
  | ({ type: "response.output_text.delta" } & ItemRef & { content_index: 0; delta: string; logprobs: never[] })
  | ({ type: "response.output_text.done" } & ItemRef & { content_index: 0; text: string; logprobs: never[] })
  | ({ type: "response.reasoning_summary_part.added" | "response.reasoning_summary_part.done" } & ItemRef & { summary_index: 0; part: SummaryText })
  | ({ type: "response.reasoning_summary_text.delta" } & ItemRef & { summary_index: 0; delta: string })
  | ({ type: "response.reasoning_summary_text.done" } & ItemRef & { summary_index: 0; text: string })
  | ({ type: "response.function_call_arguments.delta" } & ItemRef & { delta: string })
  | ({ type: "response.function_call_arguments.done" } & ItemRef & { name: string; arguments: string })
  | ({ type: "response.custom_tool_call_input.delta" } & ItemRef & { delta: string })
  | ({ type: "response.custom_tool_call_input.done" } & ItemRef & { input: string })
  | ({ type: "response.mcp_list_tools.in_progress" | "response.mcp_list_tools.completed" | "response.mcp_list_tools.failed" } & ItemRef)
  | ({ type: "response.mcp_call.in_progress" | "response.mcp_call.completed" | "response.mcp_call.failed" } & ItemRef)
  | ({ type: "response.mcp_call_arguments.delta" } & ItemRef & { delta: string })
  | ({ type: "response.mcp_call_arguments.done" } & ItemRef & { arguments: string });
