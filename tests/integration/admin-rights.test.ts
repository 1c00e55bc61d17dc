// Admin rights from GitHub identity (access/admin-rights.ts) against the
// scripted GitHub on 127.0.0.1, asked by the real lookup (node/github-teams.ts):
// a login GATEWAY_ADMINS names is an admin without asking GitHub; an active
// member of GATEWAY_ADMIN_TEAM is one, a pending invitee or a non-member (404)
// is not; GitHub's answer is trusted for the TTL and asked again after it;
// GitHub down (an error status, unreachable, a refused token) is "not an
// admin", with one log line that names the login and the team, never the token.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AdminRights, isListedAdmin, parseAdminTeam } from "../../src/access/admin-rights.js";
import { adminRightsFromConfig, GitHubTeams } from "../../src/node/github-teams.js";
import { createLogger } from "../../src/observability/pino-logger.js";
import { startScriptedGitHub, type ScriptedGitHub } from "../support/github-api.js";

const MONA = "gho_monaTOKENabcdef0123456789";
const HUBOT = "gho_hubotTOKENabcdef0123456789";
const OCTOCAT = "gho_octocatTOKENabcdef0123456789";
const TEAM = { org: "octo-org", slug: "gateway-admins" };

describe("admin rights from GitHub identity", () => {
  let github: ScriptedGitHub;
  let lines: string[];
  let now: number;
  const logger = () => createLogger("debug", (line) => lines.push(line));
  const teamRequests = () => github.requests.filter((request) => request.path.startsWith("/orgs/"));
  const rights = (options: Partial<ConstructorParameters<typeof AdminRights>[0]> = {}) =>
    new AdminRights({ admins: [], team: TEAM, teams: new GitHubTeams({ apiUrl: github.url }), logger: logger(), now: () => now, ...options });

  beforeAll(async () => {
    github = await startScriptedGitHub({
      tokens: { [MONA]: "mona", [HUBOT]: "hubot", [OCTOCAT]: "Octocat" },
      teams: { "octo-org/gateway-admins": { mona: "active", hubot: "pending" } },
    });
  });
  afterAll(async () => {
    await github?.close();
  });
  beforeEach(() => {
    lines = [];
    now = Date.UTC(2026, 11, 6, 12);
    github.requests.length = 0;
    github.failTeamsWith(undefined);
    github.setTeamMembership("octo-org/gateway-admins", "mona", "active");
  });

  it("reads the settings' forms: logins compared without case, a team as org/slug", () => {
    expect(isListedAdmin("OctoCat", ["octocat", "mona"])).toBe(true);
    expect(isListedAdmin("octo", ["octocat"])).toBe(false);
    expect(parseAdminTeam("octo-org/gateway-admins")).toEqual(TEAM);
    for (const bad of ["octo-org", "octo-org/", "/admins", "a/b/c", "octo org/admins"]) expect(parseAdminTeam(bad), bad).toBeUndefined();
  });

  it("makes a listed login an admin without asking GitHub, and no one else without a team", async () => {
    const listed = rights({ admins: ["octocat"], team: undefined, teams: undefined });
    expect(await listed.isAdmin("Octocat", OCTOCAT)).toBe(true);
    expect(await listed.actorFor("Octocat", OCTOCAT)).toEqual({ kind: "github", login: "Octocat" });
    expect(await listed.isAdmin("mona", MONA)).toBe(false);
    expect(await listed.actorFor("mona", MONA)).toBeUndefined();
    expect(teamRequests()).toEqual([]);
  });

  it("asks GitHub about the team with the person's own token: active is an admin, pending and 404 are not", async () => {
    const team = rights();
    expect(await team.isAdmin("mona", MONA)).toBe(true);
    expect(await team.isAdmin("hubot", HUBOT)).toBe(false);
    expect(await team.isAdmin("Octocat", OCTOCAT)).toBe(false);
    expect(teamRequests().map((request) => [request.path, request.token])).toEqual([
      ["/orgs/octo-org/teams/gateway-admins/memberships/mona", MONA],
      ["/orgs/octo-org/teams/gateway-admins/memberships/hubot", HUBOT],
      ["/orgs/octo-org/teams/gateway-admins/memberships/Octocat", OCTOCAT],
    ]);
    expect(lines.filter((line) => line.includes('"level":"warn"'))).toEqual([]);
  });

  it("trusts GitHub's answer for the TTL, then asks again and follows a change", async () => {
    const team = rights({ ttlMs: 60_000 });
    expect(await Promise.all([team.isAdmin("mona", MONA), team.isAdmin("MONA", MONA)])).toEqual([true, true]);
    expect(teamRequests()).toHaveLength(1);
    github.setTeamMembership("octo-org/gateway-admins", "mona", undefined);
    now += 59_999;
    expect(await team.isAdmin("mona", MONA)).toBe(true);
    expect(teamRequests()).toHaveLength(1);
    now += 1;
    expect(await team.isAdmin("mona", MONA)).toBe(false);
    expect(teamRequests()).toHaveLength(2);
    // A non-member's answer is trusted as long; forgetting it (sign-out) asks again.
    github.setTeamMembership("octo-org/gateway-admins", "mona", "active");
    expect(await team.isAdmin("mona", MONA)).toBe(false);
    team.forget("mona");
    expect(await team.isAdmin("mona", MONA)).toBe(true);
    expect(teamRequests()).toHaveLength(3);
  });

  it("says no when GitHub answers with an error, logs why without the token, and asks again next time", async () => {
    const team = rights();
    github.failTeamsWith(502);
    expect(await team.isAdmin("mona", MONA)).toBe(false);
    const warnings = lines.filter((line) => line.includes("admin team membership could not be checked"));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: "warn", login: "mona", team: "octo-org/gateway-admins", reason: "GitHub answered 502" });
    github.failTeamsWith(undefined);
    expect(await team.isAdmin("mona", MONA)).toBe(true);
    expect(teamRequests()).toHaveLength(2);
    expect(lines.join("\n")).not.toContain(MONA);
  });

  it("says no for a token GitHub refuses, and when GitHub cannot be reached at all", async () => {
    const team = rights();
    expect(await team.isAdmin("mona", "gho_unknownTOKEN0123456789")).toBe(false);
    expect(lines.at(-1)).toContain("GitHub answered 401");

    const gone = await startScriptedGitHub({ tokens: {} });
    const url = gone.url;
    await gone.close();
    const unreachable = rights({ teams: new GitHubTeams({ apiUrl: url, timeoutMs: 5_000 }) });
    expect(await unreachable.isAdmin("mona", MONA)).toBe(false);
    const line = JSON.parse(lines.at(-1)!) as Record<string, string>;
    expect(line).toMatchObject({ level: "warn", login: "mona", team: "octo-org/gateway-admins" });
    expect(line.reason).toMatch(/^GitHub could not be reached/);
    expect(lines.join("\n")).not.toMatch(/gho_/);
  });

  it("is built from the settings, asking the configured GitHub API", async () => {
    const fromSettings = adminRightsFromConfig({ admins: ["octocat"], adminTeam: TEAM, adminTeamTtlMs: 300_000, githubApiUrl: github.url }, logger());
    expect(fromSettings.configured).toBe(true);
    expect(await fromSettings.isAdmin("octocat", OCTOCAT)).toBe(true);
    expect(await fromSettings.isAdmin("mona", MONA)).toBe(true);
    expect(await fromSettings.isAdmin("hubot", HUBOT)).toBe(false);
    expect(adminRightsFromConfig({ admins: [], adminTeamTtlMs: 300_000, githubApiUrl: github.url }, logger()).configured).toBe(false);
  });
});
