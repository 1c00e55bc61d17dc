// The GitHub token a person's key runs on, fresh: read sealed from the
// store, opened, and refreshed shortly before it expires. A refresh is one
// process's at a time for a person, across every process on the database
// (a claim in the store, PeopleStore.claimRefresh), because GitHub rotates
// the refresh token on use: two refreshes at once would spend it twice and
// the loser would sign the person out. The others wait for the winner's
// token. Concurrent requests in one process share one read or refresh.
import type { Logger } from "../core/logger.js";
import { sealContext, SignInEnded, type GitHubGrant, type GitHubSignIn, type PeopleStore, type Person, type SealedGrant } from "./people.js";
import { randomToken, type SecretBox } from "./secret-box.js";

export interface PersonTokensOptions {
  /** Refresh a token this long before it expires (default 5 minutes). */
  marginMs?: number;
  /** How long a refresh claim lasts if its process dies (default 30 s). */
  claimMs?: number;
  /** Between looks at a grant another process is refreshing (default 200 ms). */
  pollMs?: number;
  now?: () => number;
  logger?: Logger;
}

export class PersonTokens {
  private readonly reading = new Map<string, Promise<string>>();
  private readonly now: () => number;
  private readonly marginMs: number;
  private readonly claimMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly people: PeopleStore,
    private readonly github: Pick<GitHubSignIn, "refresh">,
    private readonly box: SecretBox,
    private readonly options: PersonTokensOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.marginMs = options.marginMs ?? 5 * 60_000;
    this.claimMs = options.claimMs ?? 30_000;
    this.pollMs = options.pollMs ?? 200;
  }

  /** The grant's times as the store keeps them, its tokens sealed to the person. */
  async seal(githubId: number, grant: GitHubGrant, now: number): Promise<SealedGrant> {
    return {
      accessToken: await this.box.seal(grant.accessToken, sealContext(githubId, "access")),
      accessExpiresAt: grant.expiresIn === undefined ? null : now + grant.expiresIn * 1000,
      refreshToken: grant.refreshToken === undefined ? null : await this.box.seal(grant.refreshToken, sealContext(githubId, "refresh")),
      refreshExpiresAt: grant.refreshExpiresIn === undefined ? null : now + grant.refreshExpiresIn * 1000,
    };
  }

  /**
   * The person's GitHub token, refreshed first when it expires within the
   * margin. Throws SignInEnded when GitHub refused the grant (now or before),
   * GitHubUnreachable when it could not be asked.
   */
  accessToken(person: Person): Promise<string> {
    if (person.tokenState === "refused") return Promise.reject(new SignInEnded(person.tokenProblem ?? "GitHub refused to renew the sign-in."));
    let reading = this.reading.get(person.id);
    if (!reading) {
      reading = this.read(person).finally(() => this.reading.delete(person.id));
      this.reading.set(person.id, reading);
    }
    return reading;
  }

  private async read(person: Person): Promise<string> {
    const giveUpAt = this.now() + this.claimMs * 2;
    for (;;) {
      const grant = await this.people.grant(person.id);
      if (!grant) throw new SignInEnded((await this.people.get(person.id))?.tokenProblem ?? "No GitHub sign-in is kept for this key's owner.");
      const now = this.now();
      if (grant.accessExpiresAt === null || grant.accessExpiresAt - this.marginMs > now) return this.open(person, grant.accessToken, "access");
      if (grant.claimUntil === null || grant.claimUntil <= now) {
        const claim = randomToken(16);
        if (await this.people.claimRefresh(person.id, claim, grant.accessExpiresAt, now + this.claimMs, now)) return this.refresh(person, grant, claim);
      }
      // Another process is refreshing (or just did): its token is read on the next pass.
      if (now > giveUpAt) throw new SignInEnded("The GitHub sign-in could not be renewed in time; try again.");
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }

  private async refresh(person: Person, grant: SealedGrant, claim: string): Promise<string> {
    const now = this.now();
    const refreshToken = grant.refreshToken === null || (grant.refreshExpiresAt !== null && grant.refreshExpiresAt <= now) ? undefined : await this.open(person, grant.refreshToken, "refresh");
    if (refreshToken === undefined) return this.end(person, "Your GitHub sign-in expired and cannot be renewed.");
    let answer;
    try {
      answer = await this.github.refresh(refreshToken);
    } catch (error) {
      await this.people.releaseClaim(person.id, claim);
      throw error;
    }
    if (answer.kind !== "granted") {
      const reason = answer.kind === "refused" ? answer.error : answer.kind;
      return this.end(person, `GitHub refused to renew your sign-in (${reason}): the app may have been revoked, or your access changed.`);
    }
    await this.people.refreshed(person.id, claim, await this.seal(person.githubId, answer.grant, this.now()), this.now());
    this.options.logger?.info("renewed a person's GitHub token", { person: person.id, login: person.login });
    return answer.grant.accessToken;
  }

  private async end(person: Person, problem: string): Promise<never> {
    await this.people.refused(person.id, problem, this.now());
    this.options.logger?.warn("a person's GitHub sign-in ended: their keys stop until they sign in again", { person: person.id, login: person.login, problem });
    throw new SignInEnded(problem);
  }

  private async open(person: Person, sealed: string, which: "access" | "refresh"): Promise<string> {
    const token = await this.box.open(sealed, sealContext(person.githubId, which));
    // Sealed under another GATEWAY_SECRET_KEY (or altered): unusable, so the person signs in again.
    if (token === undefined) return this.end(person, "The gateway can no longer read your GitHub sign-in (its secret key changed).");
    return token;
  }
}
