// One request's view of its conversation: the session configuration it needs,
// the partition its sessions are kept in, and its dialogue.
import type { Caller } from "../access/caller.js";
import type { TurnRequest } from "../core/turn.js";
import type { SessionAgent, SessionSpec } from "../runtime/runtime.js";
import type { ResolvedServers } from "../tools/requested-servers.js";
import type { ServerToolCallListener } from "../turns/server-tool-audit.js";
import { systemPromptOf } from "../turns/prompt.js";
import { offeredTools } from "../turns/tool-choice.js";
import { hash } from "./fingerprint.js";
import type { DialogueMessage } from "./ledger.js";

export interface Conversation {
  request: TurnRequest;
  signal: AbortSignal;
  partition: string;
  spec: SessionSpec;
  dialogue: DialogueMessage[];
  /** Told of each server-side tool call the turn's runtime ran (the audit). */
  onServerToolCall?: ServerToolCallListener;
}

/**
 * `model`: the model the session runs on, as the catalogue resolved it;
 * `servers`: the MCP servers the caller was granted, the agent brings or the
 * request named; `agent`: the operator's agent the session runs as, if the
 * request asked for one.
 */
export function conversationOf(
  request: TurnRequest,
  signal: AbortSignal,
  caller: Pick<Caller, "partition" | "gitHubToken">,
  model: string,
  { servers, approvals }: ResolvedServers = { servers: {}, approvals: {} },
  agent?: SessionAgent,
): Conversation {
  const spec: SessionSpec = {
    model,
    systemMessage: systemPromptOf(request.messages),
    tools: offeredTools(request),
    ...(request.reasoningEffort ? { reasoningEffort: request.reasoningEffort } : {}),
    ...(caller.gitHubToken ? { gitHubToken: caller.gitHubToken } : {}),
    ...(Object.keys(servers).length > 0 ? { mcpServers: servers } : {}),
    ...(Object.keys(approvals).length > 0 ? { mcpApprovals: approvals } : {}),
    ...(agent ? { agent } : {}),
  };
  return {
    request,
    signal,
    spec,
    // A session cannot change its model, system prompt, tools, servers or agent, and is never shared across callers.
    partition: hash(JSON.stringify([caller.partition, spec])),
    dialogue: request.messages.filter((message): message is DialogueMessage => message.role !== "system"),
  };
}
