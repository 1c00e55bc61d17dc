// Who among the people signed in with GitHub is an admin: a login named in
// GATEWAY_ADMINS, or an active member of the GATEWAY_ADMIN_TEAM team (asked
// of GitHub with the person's own token, and remembered for a few minutes).
// Asked at sign-in and again on each admin request, so a person taken off the
// list or the team loses the rights within the TTL. When GitHub cannot say,
// the answer is no: admin rights are never granted on a guess.
import type { Logger } from "../core/logger.js";
import type { AdminActor } from "./admin-audit.js";

/** An `org/team` (the team's slug, as in its URL). */
export interface AdminTeam {
  org: string;
  slug: string;
}

/** What GitHub says of a login in a team: `active` is a member; `pending` was invited and has not accepted; `none` is not one. */
export type TeamMembership = "active" | "pending" | "none";

/** GitHub's `GET /orgs/{org}/teams/{team_slug}/memberships/{username}`, asked with the person's token; throws when GitHub cannot answer. */
export interface TeamMemberships {
  membership(team: AdminTeam, login: string, token: string): Promise<TeamMembership>;
}

export interface AdminRightsOptions {
  /** GATEWAY_ADMINS: logins, compared without case (GitHub's logins are case-insensitive). */
  admins: readonly string[];
  /** GATEWAY_ADMIN_TEAM; with it, `teams` is required. */
  team?: AdminTeam;
  teams?: TeamMemberships;
  /** How long a team's answer for a login is trusted (default 5 minutes). */
  ttlMs?: number;
  logger: Logger;
  now?: () => number;
}

export const DEFAULT_ADMIN_TEAM_TTL_MS = 5 * 60_000;

const GITHUB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$/;

/** `org/team` → the team; undefined when the text is not one (both parts GitHub names). */
export function parseAdminTeam(text: string): AdminTeam | undefined {
  const [org, slug, ...rest] = text.trim().split("/");
  if (rest.length > 0 || org === undefined || slug === undefined || !GITHUB_NAME.test(org) || !GITHUB_NAME.test(slug)) return undefined;
  return { org, slug };
}

/** Whether the login is one GATEWAY_ADMINS names: the pure half of the decision. */
export function isListedAdmin(login: string, admins: readonly string[]): boolean {
  const wanted = login.toLowerCase();
  return admins.some((admin) => admin.toLowerCase() === wanted);
}

export class AdminRights {
  private readonly known = new Map<string, { member: boolean; at: number }>();
  private readonly asking = new Map<string, Promise<boolean>>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AdminRightsOptions) {
    if (options.team && !options.teams) throw new Error("an admin team needs a way to ask GitHub for its members");
    this.ttlMs = options.ttlMs ?? DEFAULT_ADMIN_TEAM_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Whether anyone can be an admin by GitHub identity (else only the admin key makes one). */
  get configured(): boolean {
    return this.options.admins.length > 0 || this.options.team !== undefined;
  }

  /**
   * Whether the person signed in as `login`, holding `token` (their GitHub
   * token, used only to ask GitHub about the team, never kept or logged), is
   * an admin. Never throws: GitHub unreachable or answering oddly is a no,
   * logged once per ask.
   */
  async isAdmin(login: string, token: string): Promise<boolean> {
    if (isListedAdmin(login, this.options.admins)) return true;
    const team = this.options.team;
    if (team === undefined) return false;
    const who = login.toLowerCase();
    const known = this.known.get(who);
    if (known && this.now() - known.at < this.ttlMs) return known.member;
    // Concurrent admin requests of one person ask GitHub once.
    let asking = this.asking.get(who);
    if (!asking) {
      asking = this.ask(team, login, token).finally(() => this.asking.delete(who));
      this.asking.set(who, asking);
    }
    return asking;
  }

  /** The admin actor a signed-in person acts as on /admin (admin-routes.ts' `signedInAdmin`), or undefined when they are not an admin. */
  async actorFor(login: string, token: string): Promise<AdminActor | undefined> {
    return (await this.isAdmin(login, token)) ? { kind: "github", login } : undefined;
  }

  /** Forgets what GitHub said of a login (sign-out), so the next ask goes to GitHub. */
  forget(login: string): void {
    this.known.delete(login.toLowerCase());
  }

  private async ask(team: AdminTeam, login: string, token: string): Promise<boolean> {
    let membership: TeamMembership;
    try {
      membership = await this.options.teams!.membership(team, login, token);
    } catch (error) {
      // Not remembered: the next admin request asks again, and GitHub back means rights back.
      this.options.logger.warn("admin team membership could not be checked, so the person is not an admin for this request", {
        login,
        team: `${team.org}/${team.slug}`,
        reason: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
    const member = membership === "active";
    this.known.set(login.toLowerCase(), { member, at: this.now() });
    return member;
  }
}
