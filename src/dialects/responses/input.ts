// `input` items → the conversation a turn replays, in the same normalised form
// the chat dialect produces, so the ledger matches a Responses conversation to
// its live Copilot session exactly as it matches a chat one.
import { GatewayError, badRequest } from "../../core/gateway-error.js";
import type { ConversationMessage, ToolCall } from "../../core/turn.js";
import { formatParam } from "../shared/issue-to-error.js";
import { toPlainText, toUserContent, validate, type Path } from "./content.js";
import { argumentsFromInput } from "./custom-tools.js";
import { listedServerLabel, mcpApprovalRequestItemSchema, mcpApprovalResponseItemSchema } from "./mcp-tools.js";
import type { ToolRoutes } from "./tool-routes.js";
import { addTools, toTools, type ParsedTools } from "./tools.js";
import {
  customToolCallItemSchema,
  functionCallItemSchema,
  functionCallOutputItemSchema,
  itemReferenceSchema,
  messageItemSchema,
  toolSearchCallItemSchema,
  toolSearchOutputItemSchema,
  type ItemEnvelope,
} from "./schema.js";

/** Looks up an output item this gateway produced earlier (by its `msg_…`/`fc_…`/`rs_…` id) for this caller. */
export type ItemResolver = (id: string) => { readonly type: string } | undefined;

type AssistantMessage = Extract<ConversationMessage, { role: "assistant" }>;

/**
 * Maps the items in order. Assistant-side items that follow one another (an
 * assistant message and the `function_call`s after it, with any `reasoning`
 * items between) become one assistant message: that is how the turn that
 * produced them was recorded, and how a chat client would replay it.
 */
/** `tools`: what the request offers; tools a client's search loaded are added to it. */
export function toConversation(input: string | ItemEnvelope[], resolveItem: ItemResolver = () => undefined, tools: ParsedTools = toTools([])): ConversationMessage[] {
  if (typeof input === "string") return [{ role: "user", content: [{ type: "text", text: input }] }];
  const messages: ConversationMessage[] = [];
  input.forEach((item, i) => addItem(messages, resolveReference(item, ["input", i], resolveItem), ["input", i], tools));
  return messages;
}

/**
 * The Vercel AI SDK (`openai(id)`, `store` on by default) replays earlier
 * assistant text and reasoning as `{type:"item_reference", id}`; they resolve
 * to the items this gateway sent. Unknown ids get OpenAI's 404.
 */
function resolveReference(item: ItemEnvelope, path: Path, resolveItem: ItemResolver): ItemEnvelope {
  if (item.type !== "item_reference") return item;
  const { id } = validate(itemReferenceSchema, item, path);
  const resolved = resolveItem(id);
  if (resolved === undefined || resolved.type === "item_reference") {
    throw new GatewayError({
      status: 404,
      param: formatParam(path),
      code: "item_not_found",
      message: `Item with id '${id}' not found. The gateway keeps items for a limited time, for the caller that created them, and only when 'store' was not false; send the item itself instead.`,
    });
  }
  return resolved as ItemEnvelope;
}

/** Calls are recorded under the name the model was offered (a namespace member's `<namespace>__<name>`). */
function addItem(messages: ConversationMessage[], item: ItemEnvelope, path: Path, tools: ParsedTools): void {
  const { routes } = tools;
  switch (item.type ?? "message") {
    case "message": {
      const { role, content } = validate(messageItemSchema, item, path);
      const contentPath = [...path, "content"];
      if (role === "user") messages.push({ role: "user", content: toUserContent(content, contentPath) });
      // Codex, Vercel and openai-node send `developer` for gpt-5/o-series ids (B.8 #46).
      else if (role === "system" || role === "developer") messages.push({ role: "system", text: toPlainText(content, contentPath, `'${role}' messages`) });
      else assistantTurn(messages).text += toPlainText(content, contentPath, "'assistant' messages");
      return;
    }
    case "function_call": {
      const call = validate(functionCallItemSchema, item, path);
      const toolCall: ToolCall = { id: call.call_id, name: routes.offeredName(call.name, call.namespace ?? undefined), arguments: argumentsString(call.arguments) };
      assistantTurn(messages).toolCalls.push(toolCall);
      return;
    }
    case "custom_tool_call": {
      // Codex's freeform `apply_patch`: the model was offered a function taking `{input}` (custom-tools.ts).
      const call = validate(customToolCallItemSchema, item, path);
      assistantTurn(messages).toolCalls.push({ id: call.call_id, name: routes.offeredName(call.name, call.namespace ?? undefined), arguments: argumentsFromInput(call.input) });
      return;
    }
    case "function_call_output":
    case "custom_tool_call_output": {
      const { call_id, output } = validate(functionCallOutputItemSchema, item, path);
      messages.push({ role: "tool", toolCallId: call_id, text: toPlainText(output, [...path, "output"], `'${item.type}' items`) });
      return;
    }
    case "tool_search_call": {
      const call = validate(toolSearchCallItemSchema, item, path);
      assistantTurn(messages).toolCalls.push({ id: call.call_id, name: routes.offeredName("tool_search"), arguments: JSON.stringify(call.arguments ?? {}) });
      return;
    }
    // The tools a search loaded become callable, and the model reads which they are.
    case "tool_search_output": {
      const output = validate(toolSearchOutputItemSchema, item, path);
      addTools(tools, output.tools, [...path, "tools"]);
      messages.push({ role: "tool", toolCallId: output.call_id, text: loadedToolsText(output.tools, routes) });
      return;
    }
    // Reasoning the client replays (Codex sends it back with `encrypted_content`,
    // which only OpenAI can read): its readable summary or text is kept for a
    // seeded session to replay; a live session already holds it.
    case "reasoning": {
      const text = reasoningItemText(item);
      if (text) {
        const turn = assistantTurn(messages);
        turn.reasoning = (turn.reasoning ?? "") + text;
      }
      return;
    }
    // A server's tools the client holds: the server need not be listed again.
    case "mcp_list_tools": {
      const label = listedServerLabel(item, path);
      for (const server of tools.servers) if (server.label === label) server.listed = true;
      return;
    }
    // The session that ran the call holds it; a seeded one reads the answer that followed.
    case "mcp_call":
      return;
    case "mcp_approval_request": {
      const request = validate(mcpApprovalRequestItemSchema, item, path);
      const turn = assistantTurn(messages);
      (turn.approvals ??= []).push({ id: request.id, server: request.server_label, tool: request.name, arguments: argumentsString(request.arguments) });
      return;
    }
    case "mcp_approval_response": {
      const response = validate(mcpApprovalResponseItemSchema, item, path);
      messages.push({ role: "approval", requestId: response.approval_request_id, approve: response.approve, ...(response.reason ? { reason: response.reason } : {}) });
      return;
    }
    default: {
      const param = formatParam([...path, "type"]);
      throw badRequest(
        `Invalid '${param}': input items of type '${item.type}' are not supported by this gateway; send 'message', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output', 'tool_search_call', 'tool_search_output', 'reasoning' and MCP ('mcp_list_tools', 'mcp_call', 'mcp_approval_request', 'mcp_approval_response') items.`,
        param,
        "unsupported_value",
      );
    }
  }
}

/** What the model reads as a tool search's result: the tools it can call now. */
function loadedToolsText(tools: ReadonlyArray<{ type: string; name?: unknown; tools?: unknown }>, routes: ToolRoutes): string {
  const names = tools.flatMap((tool) =>
    tool.type === "namespace" && Array.isArray(tool.tools)
      ? (tool.tools as Array<{ name?: unknown }>).map((member) => routes.offeredName(String(member.name), String(tool.name)))
      : [routes.offeredName(String(tool.name ?? tool.type))],
  );
  return names.length === 0 ? "No tools matched the search." : `Tools now available: ${names.join(", ")}.`;
}

/** The readable text of a reasoning item: its `summary` parts, else its `content` parts. */
function reasoningItemText(item: ItemEnvelope): string {
  const record = item as { summary?: unknown; content?: unknown };
  const texts = (parts: unknown) =>
    Array.isArray(parts) ? parts.map((part: { text?: unknown }) => (typeof part?.text === "string" ? part.text : "")).join("") : "";
  return texts(record.summary) || texts(record.content);
}

/** The assistant message the next assistant-side item belongs to: the previous message when it is one. */
function assistantTurn(messages: ConversationMessage[]): AssistantMessage {
  const last = messages.at(-1);
  if (last?.role === "assistant") return last;
  const message: AssistantMessage = { role: "assistant", text: "", toolCalls: [] };
  messages.push(message);
  return message;
}

/** The spec says a JSON string; some clients echo the parsed object, some omit it for no arguments. */
function argumentsString(args: string | Record<string, unknown> | null | undefined): string {
  if (args === null || args === undefined) return "{}";
  return typeof args === "string" ? args : JSON.stringify(args);
}
