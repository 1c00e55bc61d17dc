// A scripted GitHub App on 127.0.0.1: the OAuth side of GitHub that people
// sign in through (`/login/oauth/authorize`, `/login/oauth/access_token`,
// `/login/device/code`), beside the scripted REST and Copilot API
// (github-api.ts), into which every token it grants is added as its user's —
// so the runtime's calls with it reach the scripted Copilot API as that
// person — and from which every token it retires is removed.
//
// As GitHub does: the authorization code is single-use, bound to its
// redirect_uri and checked against the PKCE challenge (S256); the device
// code's answers are scripted per code (authorization_pending, slow_down,
// expired_token, access_denied, then the grant); a refresh rotates both
// tokens and the old refresh token is refused afterwards
// (bad_refresh_token), as is every refresh token of a revoked grant. Errors
// come as 200 with an `error` field, as GitHub sends them.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { GitHubUser, ScriptedGitHub } from "./github-api.js";
import { json, readBody } from "./upstream.js";

export const CLIENT_ID = "Iv1.scriptedclient";
export const CLIENT_SECRET = "scripted-client-secret";

export type DeviceAnswer = "authorization_pending" | "slow_down" | "expired_token" | "access_denied" | "grant";

export interface OAuthRequest {
  path: string;
  /** grant_type for the token endpoint: authorization_code, refresh_token or device_code. */
  grant?: string;
  /** What it answered: "granted" or the error. */
  answer: string;
  login?: string;
}

export interface ScriptedGitHubOAuth {
  url: string;
  requests: OAuthRequest[];
  /** The GitHub user whose browser approves the next web sign-ins and device codes. */
  signInAs(user: GitHubUser): void;
  /** The answers the next device code gives to its polls, in order; the last one repeats. Default: ["grant"]. */
  scriptNextDevice(answers: DeviceAnswer[]): void;
  /** How long access tokens issued from now on last (seconds); GitHub's 8 hours by default. */
  setAccessTokenSeconds(seconds: number): void;
  /** Grant as an OAuth App does from now on: `gho_` tokens that never expire, with no refresh token. */
  useOAuthAppTokens(on: boolean): void;
  /** The next `count` refresh requests get a 502, as when GitHub is out of reach. */
  failNextRefreshes(count: number): void;
  /** The person declines the next web sign-in: GitHub sends them back with error=access_denied. */
  declineNext(): void;
  /** The access token the user holds now (the latest issued). */
  currentAccessToken(login: string): string | undefined;
  /** Every token and code handed out, for scanning logs, answers and databases. */
  issuedSecrets(): string[];
  /** Removes the user's current access token from GitHub: as if it had expired. */
  expireAccessToken(login: string): void;
  /** The person revoked the app (or left): their tokens and refresh tokens stop working. */
  revokeGrant(login: string): void;
  /** Refresh grants answered with new tokens, per login. */
  refreshes(login: string): number;
  close(): Promise<void>;
}

interface Grant {
  user: GitHubUser;
  access: string;
  refresh: string;
  revoked: boolean;
}

/** What a gateway process needs to sign people in through this app, with GitHub's API at `github`. */
export function gatewaySignInEnv(github: Pick<ScriptedGitHub, "url" | "env">, oauth: Pick<ScriptedGitHubOAuth, "url">, setup: { home: string; secretKey: string; publicUrl: string }): Record<string, string> {
  return {
    HOME: setup.home,
    GATEWAY_AUTH: "github",
    GATEWAY_GITHUB_URL: oauth.url,
    GATEWAY_GITHUB_API_URL: github.url,
    GATEWAY_GITHUB_CLIENT_ID: CLIENT_ID,
    GATEWAY_GITHUB_CLIENT_SECRET: CLIENT_SECRET,
    GATEWAY_SECRET_KEY: setup.secretKey,
    GATEWAY_PUBLIC_URL: setup.publicUrl,
    ...github.env,
  };
}

const token = (prefix: string, length: number) => prefix + randomBytes(length).toString("base64url").replace(/[-_]/g, "x").slice(0, length);

export async function startScriptedGitHubOAuth(github: Pick<ScriptedGitHub, "addToken" | "removeToken">): Promise<ScriptedGitHubOAuth> {
  let browserUser: GitHubUser = { login: "octocat" };
  let nextDeviceScript: DeviceAnswer[] = ["grant"];
  let accessSeconds = 28_800;
  let oauthApp = false;
  let failingRefreshes = 0;
  let declining = false;
  const codes = new Map<string, { user: GitHubUser; redirectUri: string; challenge: string }>();
  const devices = new Map<string, { user: GitHubUser; script: DeviceAnswer[]; used: boolean }>();
  const grants = new Map<string, Grant>(); // by refresh token, current and retired
  const current = new Map<string, Grant>(); // by login
  const refreshCount = new Map<string, number>();
  const secrets: string[] = [];
  const requests: OAuthRequest[] = [];
  const sockets = new Set<Socket>();

  const ids = new Map<string, number>();
  function issue(given: GitHubUser) {
    // One GitHub id per login, whichever token asks /user.
    if (!ids.has(given.login)) ids.set(given.login, given.id ?? 5000 + ids.size);
    const user = { ...given, id: ids.get(given.login)! };
    const grant: Grant = { user, access: token(oauthApp ? "gho_" : "ghu_", 36), refresh: token("ghr_", 76), revoked: false };
    const previous = current.get(user.login);
    if (previous) github.removeToken(previous.access);
    github.addToken(grant.access, user);
    grants.set(grant.refresh, grant);
    current.set(user.login, grant);
    secrets.push(grant.access, grant.refresh);
    if (oauthApp) return { access_token: grant.access, token_type: "bearer", scope: "" };
    return { access_token: grant.access, expires_in: accessSeconds, refresh_token: grant.refresh, refresh_token_expires_in: 15_897_600, token_type: "bearer", scope: "" };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://github");
    const raw = await readBody(req);
    const form = (req.headers["content-type"] ?? "").includes("json") ? new URLSearchParams(JSON.parse(raw || "{}") as Record<string, string>) : new URLSearchParams(raw);
    const answer = (status: number, body: Record<string, unknown>, record: Omit<OAuthRequest, "path" | "answer"> = {}) => {
      requests.push({ path: url.pathname, answer: typeof body.error === "string" ? body.error : "granted", ...record });
      json(res, status, body);
    };
    if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
      const q = url.searchParams;
      const redirectUri = q.get("redirect_uri");
      if (q.get("client_id") !== CLIENT_ID || !redirectUri || !q.get("state") || q.get("code_challenge_method") !== "S256" || !q.get("code_challenge")) {
        return answer(400, { error: "invalid_request", error_description: "client_id, redirect_uri, state and an S256 code_challenge are required" });
      }
      if (declining) {
        declining = false;
        requests.push({ path: url.pathname, answer: "access_denied" });
        res.writeHead(302, { location: `${redirectUri}?${new URLSearchParams({ error: "access_denied", state: q.get("state")! })}` });
        res.end();
        return;
      }
      const code = token("", 20);
      secrets.push(code);
      codes.set(code, { user: browserUser, redirectUri, challenge: q.get("code_challenge")! });
      requests.push({ path: url.pathname, answer: "approved", login: browserUser.login });
      res.writeHead(302, { location: `${redirectUri}?${new URLSearchParams({ code, state: q.get("state")! })}` });
      res.end();
      return;
    }
    if (req.method === "POST" && url.pathname === "/login/device/code") {
      if (form.get("client_id") !== CLIENT_ID) return answer(200, { error: "incorrect_client_credentials" });
      const deviceCode = token("", 40);
      secrets.push(deviceCode);
      devices.set(deviceCode, { user: browserUser, script: nextDeviceScript, used: false });
      nextDeviceScript = ["grant"];
      return answer(200, { device_code: deviceCode, user_code: "WDJB-MJHT", verification_uri: `${base}/login/device`, expires_in: 900, interval: 1 });
    }
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      const grantType = form.get("grant_type") ?? "authorization_code";
      if (form.get("client_id") !== CLIENT_ID) return answer(200, { error: "incorrect_client_credentials" }, { grant: grantType });
      if (grantType === "urn:ietf:params:oauth:grant-type:device_code") {
        const device = devices.get(form.get("device_code") ?? "");
        if (!device || device.used) return answer(200, { error: "bad_verification_code" }, { grant: "device_code" });
        const next = device.script.length > 1 ? device.script.shift()! : device.script[0]!;
        if (next === "slow_down") return answer(200, { error: "slow_down", interval: 1 }, { grant: "device_code" });
        if (next !== "grant") return answer(200, { error: next }, { grant: "device_code" });
        device.used = true;
        return answer(200, issue(device.user), { grant: "device_code", login: device.user.login });
      }
      if (form.get("client_secret") !== CLIENT_SECRET) return answer(200, { error: "incorrect_client_credentials" }, { grant: grantType });
      if (grantType === "refresh_token") {
        if (failingRefreshes > 0) {
          failingRefreshes--;
          requests.push({ path: url.pathname, grant: "refresh_token", answer: "502" });
          return json(res, 502, { message: "Bad gateway" });
        }
        const grant = grants.get(form.get("refresh_token") ?? "");
        if (!grant || grant.revoked || current.get(grant.user.login) !== grant) return answer(200, { error: "bad_refresh_token" }, { grant: "refresh_token", ...(grant ? { login: grant.user.login } : {}) });
        refreshCount.set(grant.user.login, (refreshCount.get(grant.user.login) ?? 0) + 1);
        return answer(200, issue(grant.user), { grant: "refresh_token", login: grant.user.login });
      }
      const code = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      if (!code || code.redirectUri !== form.get("redirect_uri") || code.challenge !== challenge) return answer(200, { error: "bad_verification_code" }, { grant: "authorization_code" });
      return answer(200, issue(code.user), { grant: "authorization_code", login: code.user.login });
    }
    json(res, 404, { message: "Not Found" });
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => json(res, 500, { message: String(error) }));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    signInAs: (user) => {
      browserUser = user;
    },
    scriptNextDevice: (answers) => {
      nextDeviceScript = [...answers];
    },
    setAccessTokenSeconds: (seconds) => {
      accessSeconds = seconds;
    },
    useOAuthAppTokens: (on) => {
      oauthApp = on;
    },
    failNextRefreshes: (count) => {
      failingRefreshes = count;
    },
    declineNext: () => {
      declining = true;
    },
    currentAccessToken: (login) => current.get(login)?.access,
    issuedSecrets: () => [...secrets],
    expireAccessToken: (login) => {
      const grant = current.get(login);
      if (grant) github.removeToken(grant.access);
    },
    revokeGrant: (login) => {
      const grant = current.get(login);
      if (!grant) return;
      grant.revoked = true;
      github.removeToken(grant.access);
    },
    refreshes: (login) => refreshCount.get(login) ?? 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
