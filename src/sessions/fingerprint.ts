// Fingerprints of conversation messages, chained so that the k-th value
// identifies the first k messages. Two requests share a prefix exactly when
// their chains agree up to it, which is how a request finds the session whose
// transcript it continues.
//
// Only what a client reliably sends back is fingerprinted: an assistant
// message that called tools is known by its call ids (clients re-serialise
// arguments and differ on keeping the text beside them); other text is
// compared with surrounding whitespace trimmed.
import type { ConversationMessage } from "../turns/events.js";

type DialogueMessage = Exclude<ConversationMessage, { role: "system" }>;

export function messageFingerprint(message: DialogueMessage): string {
  switch (message.role) {
    case "user":
      return `u:${message.content.map((part) => (part.type === "text" ? `t${part.text.trim()}` : `i${part.mimeType}:${hash(part.data)}`)).join("\u0000")}`;
    case "assistant":
      return message.toolCalls.length > 0 ? `a:calls:${message.toolCalls.map((call) => call.id).join(",")}` : `a:${message.text.trim()}`;
    case "tool":
      return `t:${message.toolCallId}:${message.text.trim()}`;
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
 * A 106-bit string hash (two independent 53-bit cyrb53 lanes). Not
 * cryptographic: it only tells conversations of one caller apart, and
 * callers never share sessions, so a collision cannot cross identities.
 */
export function hash(text: string): string {
  return `${cyrb53(text, 0x9e3779b9).toString(36)}.${cyrb53(text, 0x85ebca6b).toString(36)}`;
}

function cyrb53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
