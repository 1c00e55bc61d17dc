// Who is asking. Set by authentication on every /v1 request and read by the
// turn gate (limits), the usage meter (records) and the sessions layer
// (sessions and kept responses are never shared across callers).
import type { VirtualKey } from "./virtual-keys.js";

export type CallerKind = "anonymous" | "static" | "key" | "github";

export interface Caller {
  kind: CallerKind;
  /** Who, as usage records and logs name them: a key id, a GitHub login, `static:<hash prefix>`, `anonymous`. Never a secret. */
  id: string;
  /** What sessions and kept responses are partitioned by; empty for an anonymous caller. */
  partition: string;
  /** A virtual key's settings, as read on this request. */
  key?: VirtualKey;
  /** The caller's own GitHub token (github mode): its sessions run on it. Never logged or stored. */
  gitHubToken?: string;
}

/** Who callers are: nobody in particular, holders of the gateway's keys, or GitHub users on their own seats. */
export type AuthMode = "none" | "keys" | "github";

/** Resolves a GitHub token to its user; undefined when GitHub does not accept it. */
export interface GitHubIdentities {
  loginOf(token: string): Promise<string | undefined>;
}

export const ANONYMOUS: Caller = { kind: "anonymous", id: "anonymous", partition: "" };
