// GitHub token → login, for github mode: asked of GitHub's `GET /user` once per
// token and remembered by a hash of the token (never the token), so a caller's
// requests cost GitHub one call per few minutes. A token GitHub refuses is
// remembered as refused for a minute, so a client retrying its 401 (Codex
// retries five times) does not turn each retry into a call to GitHub; a
// replaced token is another token, and works at once.
import { createHash } from "node:crypto";
import type { GitHubIdentities } from "../access/caller.js";

export interface GitHubUsersOptions {
  /** https://api.github.com, or a GitHub Enterprise host's API. */
  apiUrl: string;
  /** How long a token's login is trusted before GitHub is asked again. */
  ttlMs?: number;
  /** Most tokens remembered; the least recently seen go first. */
  maxEntries?: number;
}

const REFUSED_TTL_MS = 60_000;

export class GitHubUnavailable extends Error {
  override readonly name = "GitHubUnavailable";
}

export class GitHubUsers implements GitHubIdentities {
  private readonly known = new Map<string, { login: string | undefined; at: number }>();
  private readonly asking = new Map<string, Promise<string | undefined>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(private readonly options: GitHubUsersOptions) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  async loginOf(token: string): Promise<string | undefined> {
    const identity = createHash("sha256").update(token).digest("hex");
    const known = this.known.get(identity);
    if (known && Date.now() - known.at < (known.login === undefined ? REFUSED_TTL_MS : this.ttlMs)) {
      this.known.delete(identity);
      this.known.set(identity, known);
      return known.login;
    }
    // Concurrent first requests of one caller ask GitHub once.
    let asking = this.asking.get(identity);
    if (!asking) {
      asking = this.ask(token).finally(() => this.asking.delete(identity));
      this.asking.set(identity, asking);
    }
    const login = await asking;
    this.remember(identity, login);
    return login;
  }

  private async ask(token: string): Promise<string | undefined> {
    let response: Response;
    try {
      response = await fetch(`${this.options.apiUrl.replace(/\/+$/, "")}/user`, {
        headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json", "user-agent": "copilot-gateway" },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new GitHubUnavailable(`GitHub could not be reached to check the token: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (response.status === 401 || response.status === 403) return undefined;
    if (!response.ok) throw new GitHubUnavailable(`GitHub answered ${response.status} when the token was checked`);
    const body = (await response.json().catch(() => undefined)) as { login?: unknown } | undefined;
    if (typeof body?.login !== "string" || body.login === "") throw new GitHubUnavailable("GitHub's answer named no user");
    return body.login;
  }

  private remember(identity: string, login: string | undefined): void {
    this.known.delete(identity);
    this.known.set(identity, { login, at: Date.now() });
    if (this.known.size > this.maxEntries) this.known.delete(this.known.keys().next().value!);
  }
}
