// Team membership as GitHub tells it, for the admin team (access/admin-rights.ts):
// `GET /orgs/{org}/teams/{team_slug}/memberships/{username}` with the person's
// own token. GitHub answers 200 with `state` "active" or "pending" for a
// member or an invitee, and 404 for anyone else — and also when the token may
// not see the team, which for this question is the same answer: not an admin.
// Anything else (unreachable, 5xx, a token GitHub refuses, an answer without a
// state) is thrown, with a message that never holds the token.
import { AdminRights, type AdminTeam, type TeamMembership, type TeamMemberships } from "../access/admin-rights.js";
import type { Config } from "../config/config.js";
import type { Logger } from "../core/logger.js";

export interface GitHubTeamsOptions {
  /** https://api.github.com, or a GitHub Enterprise host's API. */
  apiUrl: string;
  timeoutMs?: number;
}

export class GitHubTeams implements TeamMemberships {
  constructor(private readonly options: GitHubTeamsOptions) {}

  async membership(team: AdminTeam, login: string, token: string): Promise<TeamMembership> {
    const base = this.options.apiUrl.replace(/\/+$/, "");
    const url = `${base}/orgs/${encodeURIComponent(team.org)}/teams/${encodeURIComponent(team.slug)}/memberships/${encodeURIComponent(login)}`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28", "user-agent": "copilot-gateway" },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new Error(`GitHub could not be reached: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return "none";
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`GitHub answered ${response.status}`);
    }
    const body = (await response.json().catch(() => undefined)) as { state?: unknown } | undefined;
    if (body?.state === "active" || body?.state === "pending") return body.state;
    throw new Error("GitHub's answer named no membership state");
  }
}

/** The admin rights the settings describe (GATEWAY_ADMINS, GATEWAY_ADMIN_TEAM), asking the configured GitHub API about the team. */
export function adminRightsFromConfig(config: Pick<Config, "admins" | "adminTeam" | "adminTeamTtlMs" | "githubApiUrl">, logger: Logger): AdminRights {
  return new AdminRights({
    admins: config.admins,
    ...(config.adminTeam ? { team: config.adminTeam, teams: new GitHubTeams({ apiUrl: config.githubApiUrl }) } : {}),
    ttlMs: config.adminTeamTtlMs,
    logger,
  });
}
