// Fingerprints of conversation messages, chained so that the k-th value
// identifies the first k messages. Two requests share a prefix exactly when
// their chains agree up to it, which is how a request finds the session whose
// transcript it continues.
//
// Only what a client reliably sends back is fingerprinted: an assistant
// message that called tools is known by its call ids (clients re-serialise
// arguments and differ on keeping the text beside them); other text is
// compared with surrounding whitespace trimmed.
import { hash as nodeHash } from "node:crypto";
import type { ConversationMessage } from "../core/turn.js";

type DialogueMessage = Exclude<ConversationMessage, { role: "system" }>;

export function messageFingerprint(message: DialogueMessage): string {
  switch (message.role) {
    case "user":
      return `u:${message.content.map((part) => (part.type === "text" ? `t${part.text.trim()}` : `i${part.mimeType}:${hash(part.data)}`)).join("\u0000")}`;
    case "assistant":
      if (message.approvals?.length) return `a:approvals:${message.approvals.map((request) => request.id).join(",")}`;
      return message.toolCalls.length > 0 ? `a:calls:${message.toolCalls.map((call) => call.id).join(",")}` : `a:${message.text.trim()}`;
    case "tool":
      return `t:${message.toolCallId}:${message.text.trim()}`;
    case "approval":
      return `p:${message.requestId}:${message.approve}`;
  }
}

/** chain[k] fingerprints messages[0..k] inclusive. */
export function fingerprintChain(messages: readonly DialogueMessage[]): string[] {
  const chain: string[] = [];
  let previous = "";
  for (const message of messages) {
    previous = hash(`${previous}\u0001${messageFingerprint(message)}`);
    chain.push(previous);
  }
  return chain;
}

/**
 * SHA-256, base64url, through node:crypto's one-shot hash. Not for secrecy:
 * it only tells conversations (and session configurations) of one caller
 * apart. Native hashing is 5–12× faster than the string hash written in JS
 * it replaced (a 200-message chain: 0.2 ms against 1 ms; a 60 KB tool list:
 * 0.04 ms against 0.54 ms), and both run on every request. The ledger is
 * Node-side anyway: it keeps sessions of a runtime the SDK spawns.
 */
export function hash(text: string): string {
  return nodeHash("sha256", text, "base64url");
}
