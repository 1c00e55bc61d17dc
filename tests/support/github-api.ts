// A scripted GitHub on 127.0.0.1: the GitHub REST API (`/user`,
// `/copilot_internal/user`, a team's memberships) and the Copilot API it points to (`/models`,
// `/chat/completions`), for the runtime's non-BYOK path with per-user GitHub
// tokens. Each known token is one user; unknown tokens get GitHub's 401.
//
// The runtime finds it through `env` (pass it as the runtime's environment):
// COPILOT_DEBUG_GITHUB_API_URL replaces https://api.github.com, and
// `/copilot_internal/user` answers `endpoints.api` = this server, so model
// calls come here too. Plain http is accepted. COPILOT_CACHE_HOME gives the
// runtime a private directory for its on-disk Copilot user cache
// (copilot-user-cache.json: each token's `/copilot_internal/user` answer),
// which otherwise goes to ~/.cache/copilot and survives the test.
//
// Observed with SDK 1.0.14 / runtime 1.0.85 and @github/copilot 1.0.102
// (.exp/github/REPORT.md): the runtime sends the GitHub token itself as the
// Bearer of every call (there is no /copilot_internal/v2/token exchange).
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { echoResponder, json, readBody, sleep, unexpectedMessageField, type Responder, type Script, type UpstreamRequest } from "./upstream.js";

export interface GitHubUser {
  login: string;
  id?: number;
  /** Model ids this user's `/models` lists (and may call); all models by default. */
  models?: string[];
  /** Model calls answer 401, as for a token revoked after the runtime validated it. */
  revoked?: boolean;
  /** False: a GitHub user without a Copilot seat — `/user` answers, Copilot's endpoints refuse. */
  copilot?: boolean;
}

export interface ScriptedModel {
  id: string;
  /** Premium-request multiplier (`billing.multiplier`); the runtime reports it as `assistant.usage.cost`. 0 by default. */
  multiplier?: number;
  vision?: boolean;
  /** `policy.state`; "disabled" models are listed but not usable. */
  policy?: "enabled" | "disabled" | "unconfigured";
}

/** One quota bucket as `/copilot_internal/user` reports it. */
export interface Quota {
  /** Requests included per period; ignored when unlimited. */
  entitlement: number;
  remaining: number;
  unlimited?: boolean;
  overagePermitted?: boolean;
  overageCount?: number;
}

export type QuotaKind = "chat" | "completions" | "premium_interactions";

export interface GitHubApiRequest {
  method: string;
  path: string;
  /** The login of the token presented, when it is a known one. */
  login?: string;
  /** The token presented (Authorization: Bearer/token …), if any. */
  token?: string;
  /** Headers, without Authorization. */
  headers: Record<string, string | string[] | undefined>;
  /** The JSON body of a POST, parsed when it is JSON. */
  body?: unknown;
  /** The runtime's session id for model calls (`x-client-session-id`). */
  sessionId?: string;
}

export interface ScriptedGitHubOptions {
  /** token → user (a bare string is the login). */
  tokens: Record<string, GitHubUser | string>;
  /** The model catalogue; one free model "gpt-scripted" and one premium "premium-scripted" by default. */
  models?: Array<ScriptedModel | string>;
  /** How model calls are answered (upstream.ts's scripts); echoes the prompt by default. */
  responder?: Responder;
  /** Team memberships, `org/team-slug` → login → state, for `GET /orgs/{org}/teams/{team_slug}/memberships/{username}`. */
  teams?: Record<string, Record<string, TeamMembershipState>>;
  /** `copilot_usage.total_nano_aiu` of a model call; default 1000 nano-AIU per token, prompt + completion. */
  nanoAiu?: (call: { model: string; promptTokens: number; completionTokens: number; login: string }) => number;
}

export type TeamMembershipState = "active" | "pending";

export interface ScriptedGitHub {
  /** http://127.0.0.1:PORT, both the GitHub API and the Copilot API. */
  url: string;
  /** The environment a runtime needs to use this server (merge into process.env). */
  env: { COPILOT_DEBUG_GITHUB_API_URL: string; COPILOT_CACHE_HOME: string };
  /** Every request, in order of arrival. */
  requests: GitHubApiRequest[];
  /** The model calls (`POST /chat/completions`), with the user each was made as. */
  chatCalls(): Array<GitHubApiRequest & { body: UpstreamRequest }>;
  /** Sets how every following model call is answered. */
  respond(responder: Responder): void;
  /** Replaces a quota bucket of a user (by login or token). */
  setQuota(user: string, kind: QuotaKind, quota: Quota): void;
  quota(user: string, kind: QuotaKind): Quota;
  /** Adds or replaces a token. */
  addToken(token: string, user: GitHubUser | string): void;
  removeToken(token: string): void;
  /** Makes a login a member of a team (`org/team-slug`) in that state, or no member (undefined). */
  setTeamMembership(team: string, login: string, state: TeamMembershipState | undefined): void;
  /** Team membership requests answer this status (a GitHub outage), until called with undefined. */
  failTeamsWith(status: number | undefined): void;
  close(): Promise<void>;
}

const DEFAULT_MODELS: ScriptedModel[] = [{ id: "gpt-scripted" }, { id: "premium-scripted", multiplier: 1 }];
const COPILOT_MESSAGE_FIELDS = ["copilot_cache_control"];
const RESET_DATE = "2099-01-01T00:00:00.000Z";

export async function startScriptedGitHub(options: ScriptedGitHubOptions): Promise<ScriptedGitHub> {
  const models = (options.models ?? DEFAULT_MODELS).map((m) => (typeof m === "string" ? { id: m } : m));
  const users = new Map<string, Required<Pick<GitHubUser, "login" | "id">> & GitHubUser>();
  const quotas = new Map<string, Record<QuotaKind, Quota>>();
  let nextId = 1000;
  const addToken = (token: string, user: GitHubUser | string) => {
    const u = typeof user === "string" ? { login: user } : user;
    users.set(token, { ...u, id: u.id ?? ++nextId });
    if (!quotas.has(u.login)) {
      quotas.set(u.login, {
        chat: { entitlement: 0, remaining: 0, unlimited: true },
        completions: { entitlement: 0, remaining: 0, unlimited: true },
        premium_interactions: { entitlement: 300, remaining: 300 },
      });
    }
  };
  for (const [token, user] of Object.entries(options.tokens)) addToken(token, user);
  const loginOf = (user: string) => users.get(user)?.login ?? user;
  const quotaOf = (user: string) => {
    const q = quotas.get(loginOf(user));
    if (!q) throw new Error(`no user ${user}`);
    return q;
  };

  const teams = new Map<string, Map<string, TeamMembershipState>>();
  const teamKey = (team: string) => team.toLowerCase();
  const setTeamMembership = (team: string, login: string, state: TeamMembershipState | undefined) => {
    const members = teams.get(teamKey(team)) ?? new Map<string, TeamMembershipState>();
    if (state === undefined) members.delete(login.toLowerCase());
    else members.set(login.toLowerCase(), state);
    teams.set(teamKey(team), members);
  };
  for (const [team, members] of Object.entries(options.teams ?? {})) for (const [login, state] of Object.entries(members)) setTeamMembership(team, login, state);
  let teamsFailure: number | undefined;

  let responder: Responder = options.responder ?? echoResponder;
  const nanoAiu = options.nanoAiu ?? ((c) => (c.promptTokens + c.completionTokens) * 1000);
  const requests: GitHubApiRequest[] = [];
  const sockets = new Set<Socket>();
  const cacheHome = await mkdtemp(join(tmpdir(), "scripted-github-cache-"));
  let base = "";
  let chatIndex = 0;

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: String(error) });
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://github");
    const raw = await readBody(req);
    const token = /^(?:bearer|token)\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const user = token ? users.get(token) : undefined;
    const { authorization: _, ...headers } = req.headers;
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const sessionId = req.headers["x-client-session-id"];
    requests.push({
      method: req.method ?? "GET",
      path: url.pathname,
      headers,
      ...(token ? { token } : {}),
      ...(user ? { login: user.login } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(typeof sessionId === "string" ? { sessionId } : {}),
    });

    // Telemetry (1.0.102 posts it to endpoints.telemetry, unauthenticated).
    if (url.pathname === "/telemetry") return json(res, 200, {});
    if (!user) {
      return json(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
    }
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /user") return json(res, 200, { login: user.login, id: user.id, type: "User", name: user.login });
    const membership = /^GET \/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(route);
    if (membership) {
      if (teamsFailure !== undefined) return json(res, teamsFailure, { message: "Server Error" });
      const [org, slug, username] = membership.slice(1).map(decodeURIComponent) as [string, string, string];
      const state = teams.get(teamKey(`${org}/${slug}`))?.get(username.toLowerCase());
      // GitHub's answer for a non-member, and for a team the token may not see.
      if (state === undefined) return json(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest/teams/members#get-team-membership-for-a-user", status: "404" });
      return json(res, 200, { url: `${base}/teams/1/memberships/${username}`, role: "member", state });
    }
    if (user.copilot === false) return json(res, 403, { message: "Resource not accessible by integration", status: "403" });
    if (route === "GET /copilot_internal/user") return json(res, 200, copilotUser(user));
    if (route === "GET /models") return json(res, 200, { object: "list", data: visibleModels(user).map(modelEntry) });
    if (route === "POST /chat/completions") return chat(res, user, body as UpstreamRequest);
    // Also asked for, and fine unanswered: POST /mcp/readonly (the built-in GitHub
    // MCP server), GET /copilot_internal/managed_settings, /copilot_internal/team_customizations.
    return json(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" });
  }

  function visibleModels(user: GitHubUser): ScriptedModel[] {
    return user.models ? models.filter((m) => user.models!.includes(m.id)) : models;
  }

  function snapshot(kind: QuotaKind, q: Quota) {
    const unlimited = q.unlimited ?? false;
    return {
      quota_id: kind,
      entitlement: unlimited ? 0 : q.entitlement,
      remaining: q.remaining,
      quota_remaining: q.remaining,
      // Must be a number: the runtime rejects the whole response on null.
      percent_remaining: unlimited || q.entitlement <= 0 ? 100 : (100 * q.remaining) / q.entitlement,
      unlimited,
      overage_count: q.overageCount ?? 0,
      overage_permitted: q.overagePermitted ?? false,
      timestamp_utc: new Date().toISOString(),
    };
  }

  function copilotUser(user: GitHubUser) {
    const q = quotaOf(user.login);
    return {
      login: user.login,
      access_type_sku: "plus_monthly_subscriber_quota",
      analytics_tracking_id: `scripted-${user.login}`,
      assigned_date: null,
      can_signup_for_limited: false,
      chat_enabled: true,
      copilot_plan: "individual",
      copilotignore_enabled: false,
      codex_agent_enabled: false,
      is_mcp_enabled: false,
      organization_login_list: [],
      organization_list: [],
      // The only field the runtime needs: where the Copilot API is.
      endpoints: { api: base, proxy: base, telemetry: base, "origin-tracker": base },
      quota_reset_date: RESET_DATE.slice(0, 10),
      quota_reset_date_utc: RESET_DATE,
      quota_snapshots: {
        chat: snapshot("chat", q.chat),
        completions: snapshot("completions", q.completions),
        premium_interactions: snapshot("premium_interactions", q.premium_interactions),
      },
    };
  }

  function modelEntry(m: ScriptedModel) {
    return {
      id: m.id,
      name: m.id,
      object: "model",
      vendor: "Scripted",
      version: m.id,
      preview: false,
      model_picker_enabled: true,
      capabilities: {
        family: m.id,
        type: "chat",
        object: "model_capabilities",
        tokenizer: "o200k_base",
        limits: { max_context_window_tokens: 128000, max_output_tokens: 16384, max_prompt_tokens: 64000 },
        supports: { streaming: true, tool_calls: true, parallel_tool_calls: true, vision: m.vision ?? false },
      },
      policy: { state: m.policy ?? "enabled", terms: "" },
      billing: { is_premium: (m.multiplier ?? 0) > 0, multiplier: m.multiplier ?? 0 },
      supported_endpoints: ["/chat/completions"],
    };
  }

  /** `x-quota-snapshot-<kind>` response headers: the runtime copies them into `assistant.usage.quotaSnapshots`. */
  function quotaHeaders(login: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [kind, q] of Object.entries(quotaOf(login)) as Array<[QuotaKind, Quota]>) {
      const s = snapshot(kind, q);
      const params = new URLSearchParams({
        ent: String(q.unlimited ? -1 : q.entitlement),
        ov: String(s.overage_count),
        ovPerm: String(s.overage_permitted),
        rem: String(s.percent_remaining),
        rst: RESET_DATE,
      });
      out[`x-quota-snapshot-${kind}`] = params.toString();
    }
    return out;
  }

  async function chat(res: ServerResponse, user: GitHubUser, request: UpstreamRequest): Promise<void> {
    if (user.revoked) return json(res, 401, { error: { message: "Bad credentials", code: "unauthorized" } });
    const model = visibleModels(user).find((m) => m.id === request.model);
    if (!model || model.policy === "disabled") {
      return json(res, 400, { error: { message: `The requested model is not supported.`, code: "model_not_supported" } });
    }
    // Copilot's API takes its own prompt-cache marker on messages (the runtime sends it for Claude models); OpenAI's would not.
    const rejected = unexpectedMessageField(request, COPILOT_MESSAGE_FIELDS);
    if (rejected) return json(res, 400, { error: { message: rejected, type: "invalid_request_error", param: null, code: null } });
    const index = chatIndex++;
    const script: Script = responder(request, index);
    if ("status" in script) {
      res.writeHead(script.status, { "content-type": "application/json", ...script.headers });
      res.end(JSON.stringify(script.body ?? { error: { message: `scripted ${script.status}` } }));
      return;
    }
    // A premium call costs its multiplier from premium_interactions (before the headers report it).
    const premium = quotaOf(user.login).premium_interactions;
    if ((model.multiplier ?? 0) > 0 && !premium.unlimited) premium.remaining = Math.max(0, premium.remaining - model.multiplier!);

    const usage = script.usage ?? { prompt_tokens: 10, completion_tokens: 5 };
    const id = `chatcmpl-gh${index}`;
    const copilotUsage = {
      total_nano_aiu: nanoAiu({ model: model.id, promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, login: user.login }),
      token_details: [
        { token_type: "input", token_count: usage.prompt_tokens, batch_size: 1_000_000, cost_per_batch: 1_000_000_000 },
        { token_type: "output", token_count: usage.completion_tokens, batch_size: 1_000_000, cost_per_batch: 1_000_000_000 },
      ],
    };
    const usageBody = {
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      total_tokens: usage.prompt_tokens + usage.completion_tokens,
      prompt_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
      completion_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
    };
    const headers = { "x-github-request-id": `GH-${index}`, ...quotaHeaders(user.login) };
    if (request.stream !== true) {
      const text = script.steps.map((s) => ("text" in s ? s.text : "")).join("");
      res.writeHead(200, { "content-type": "application/json", ...headers });
      res.end(
        JSON.stringify({
          id,
          object: "chat.completion",
          created: 1,
          model: request.model,
          choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: script.finishReason ?? "stop" }],
          usage: usageBody,
          copilot_usage: copilotUsage,
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...headers });
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1, model: request.model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`,
      );
    chunk({ role: "assistant", content: "" });
    let toolIndex = 0;
    for (const step of script.steps) {
      if (res.destroyed) return;
      if ("delayMs" in step) await sleep(step.delayMs);
      else if ("text" in step) chunk({ content: step.text });
      else if ("reasoning" in step) chunk({ reasoning_content: step.reasoning });
      else if ("cut" in step) {
        res.socket?.destroy();
        return;
      } else {
        const { id: callId, name, arguments: args, chunks = 2 } = step.toolCall;
        chunk({ tool_calls: [{ index: toolIndex, id: callId, type: "function", function: { name, arguments: "" } }] });
        const size = Math.ceil(args.length / chunks) || 1;
        for (let at = 0; at < args.length; at += size) chunk({ tool_calls: [{ index: toolIndex, function: { arguments: args.slice(at, at + size) } }] });
        toolIndex++;
      }
    }
    if (res.destroyed) return;
    chunk({}, script.finishReason ?? (toolIndex > 0 ? "tool_calls" : "stop"));
    res.write(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 1, model: request.model, choices: [], usage: usageBody, copilot_usage: copilotUsage })}\n\n`,
    );
    res.end("data: [DONE]\n\n");
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    env: { COPILOT_DEBUG_GITHUB_API_URL: base, COPILOT_CACHE_HOME: cacheHome },
    requests,
    chatCalls: () =>
      requests.filter((r) => r.method === "POST" && r.path === "/chat/completions") as Array<GitHubApiRequest & { body: UpstreamRequest }>,
    respond: (next) => {
      responder = next;
    },
    setQuota: (user, kind, quota) => {
      quotaOf(user)[kind] = { ...quota };
    },
    quota: (user, kind) => ({ ...quotaOf(user)[kind] }),
    addToken,
    removeToken: (token) => {
      users.delete(token);
    },
    setTeamMembership,
    failTeamsWith: (status) => {
      teamsFailure = status;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(cacheHome, { recursive: true, force: true });
    },
  };
}
