// The company's GitHub App (or OAuth App) as the gateway speaks to it: the
// web flow's authorize URL and code exchange (with PKCE), the device flow,
// refreshing a user token, and who a token is (with their Copilot seat).
// GitHub answers token requests with 200 and an `error` field, which is read
// into a GrantAnswer; only a GitHub that cannot be reached or answers 5xx is
// an exception. No token or code ever goes into an error's message.
import { GitHubUnreachable, type DeviceCode, type GitHubProfile, type GitHubSignIn, type GrantAnswer, type SeatStatus } from "../access/people.js";

export interface GitHubOAuthOptions {
  /** https://github.com, a GHES host or a GHE.com tenant: where the /login/... endpoints are. */
  githubUrl: string;
  /** Its API (api.github.com, ...): /user and /copilot_internal/user. */
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
}

interface TokenBody {
  access_token?: unknown;
  expires_in?: unknown;
  refresh_token?: unknown;
  refresh_token_expires_in?: unknown;
  error?: unknown;
  error_description?: unknown;
  interval?: unknown;
}

export class GitHubOAuth implements GitHubSignIn {
  constructor(private readonly options: GitHubOAuthOptions) {}

  authorizeUrl(request: { state: string; codeChallenge: string; redirectUri: string }): string {
    const query = new URLSearchParams({
      client_id: this.options.clientId,
      redirect_uri: request.redirectUri,
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: "S256",
    });
    return `${this.options.githubUrl}/login/oauth/authorize?${query}`;
  }

  exchangeCode(code: string, codeVerifier: string, redirectUri: string): Promise<GrantAnswer> {
    return this.token({ client_secret: this.options.clientSecret, code, code_verifier: codeVerifier, redirect_uri: redirectUri });
  }

  async deviceCode(): Promise<DeviceCode> {
    const body = (await this.post("/login/device/code", { client_id: this.options.clientId })) as Record<string, unknown>;
    const { device_code, user_code, verification_uri, expires_in, interval } = body;
    if (typeof device_code !== "string" || typeof user_code !== "string" || typeof verification_uri !== "string") {
      throw new GitHubUnreachable(`GitHub gave no device code${typeof body.error === "string" ? ` (${body.error})` : ""}`);
    }
    return { deviceCode: device_code, userCode: user_code, verificationUri: verification_uri, expiresIn: numberOr(expires_in, 900), interval: numberOr(interval, 5) };
  }

  pollDevice(deviceCode: string): Promise<GrantAnswer> {
    return this.token({ device_code: deviceCode, grant_type: "urn:ietf:params:oauth:grant-type:device_code" });
  }

  refresh(refreshToken: string): Promise<GrantAnswer> {
    return this.token({ client_secret: this.options.clientSecret, grant_type: "refresh_token", refresh_token: refreshToken });
  }

  async profile(accessToken: string): Promise<GitHubProfile> {
    const user = await this.api("/user", accessToken);
    if (!user.ok) throw new GitHubUnreachable(`GitHub answered ${user.status} when asked who signed in`);
    const body = (await user.json().catch(() => ({}))) as { id?: unknown; login?: unknown };
    if (typeof body.id !== "number" || typeof body.login !== "string") throw new GitHubUnreachable("GitHub's answer named no user");
    return { githubId: body.id, login: body.login, seat: await this.seat(accessToken) };
  }

  /** Copilot's own view of the user: 200 with a seat, 401/403/404 without one. */
  private async seat(accessToken: string): Promise<SeatStatus> {
    try {
      const answer = await this.api("/copilot_internal/user", accessToken);
      await answer.body?.cancel();
      if (answer.ok) return "active";
      return [401, 403, 404].includes(answer.status) ? "none" : "unknown";
    } catch {
      return "unknown";
    }
  }

  private async token(fields: Record<string, string>): Promise<GrantAnswer> {
    const body = (await this.post("/login/oauth/access_token", { client_id: this.options.clientId, ...fields })) as TokenBody;
    if (typeof body.access_token === "string" && body.access_token !== "") {
      return {
        kind: "granted",
        grant: {
          accessToken: body.access_token,
          ...(typeof body.expires_in === "number" || typeof body.expires_in === "string" ? { expiresIn: Number(body.expires_in) } : {}),
          ...(typeof body.refresh_token === "string" && body.refresh_token !== "" ? { refreshToken: body.refresh_token } : {}),
          ...(body.refresh_token_expires_in !== undefined ? { refreshExpiresIn: Number(body.refresh_token_expires_in) } : {}),
        },
      };
    }
    const error = typeof body.error === "string" ? body.error : "no_token";
    if (error === "authorization_pending") return { kind: "pending" };
    if (error === "slow_down") return { kind: "slow_down", ...(typeof body.interval === "number" ? { interval: body.interval } : {}) };
    if (error === "expired_token") return { kind: "expired" };
    if (error === "access_denied") return { kind: "denied" };
    return { kind: "refused", error, ...(typeof body.error_description === "string" ? { description: body.error_description } : {}) };
  }

  private async post(path: string, fields: Record<string, string>): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.options.githubUrl}${path}`, {
        method: "POST",
        headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded", "user-agent": "copilot-gateway" },
        body: new URLSearchParams(fields),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new GitHubUnreachable(`GitHub could not be reached: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (response.status >= 500) throw new GitHubUnreachable(`GitHub answered ${response.status}`);
    return response.json().catch(() => ({}));
  }

  private async api(path: string, token: string): Promise<Response> {
    try {
      return await fetch(`${this.options.apiUrl}${path}`, {
        headers: { authorization: `Bearer ${token}`, accept: "application/vnd.github+json", "user-agent": "copilot-gateway" },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new GitHubUnreachable(`GitHub could not be reached: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function numberOr(value: unknown, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
