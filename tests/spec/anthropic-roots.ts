// The Anthropic SDK types the /v1/messages routes must produce. The JSON
// Schema in anthropic.schemas.json is generated from them (@anthropic-ai/sdk
// as pinned in package-lock.json) with ts-json-schema-generator:
//   npx ts-json-schema-generator@2.10.0 --path tests/spec/anthropic-roots.ts \
//     --type AnthropicRoots --no-type-check -o /tmp/anthropic.schema.json
// then wrapped as {source, definitions} without the AnthropicRoots entry.
// spec-conformance.ts reads a field whose type admits null as one the API may omit.
import type { Message, MessageTokensCount, RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages/messages";
import type { BetaMessage, BetaRawMessageStreamEvent } from "@anthropic-ai/sdk/resources/beta/messages/messages";
import type { ErrorResponse } from "@anthropic-ai/sdk/resources/shared";

export interface AnthropicRoots {
  Message: Message;
  RawMessageStreamEvent: RawMessageStreamEvent;
  MessageTokensCount: MessageTokensCount;
  ErrorResponse: ErrorResponse;
  /** What the MCP connector's answers are checked against (the request sent `anthropic-beta: mcp-client-…`). */
  BetaMessage: BetaMessage;
  BetaRawMessageStreamEvent: BetaRawMessageStreamEvent;
}
