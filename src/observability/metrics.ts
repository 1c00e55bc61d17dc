// What the gateway counts, as the HTTP, access and turn layers report it. The
// process gives the Prometheus implementation (prometheus.ts); without one,
// nothing is counted. Web-standard only.
import type { UsageRecord } from "../access/usage.js";
import type { ToolCallRecord } from "../tools/tool-call-log.js";

/** Values read when the metrics are scraped. */
export interface GaugeSources {
  streamsInFlight(): number;
  sessions(): { live: number; suspended: number };
  turnSlots(): { inFlight: number; waiting: number };
}

export interface GatewayMetrics {
  /** Every HTTP request, once answered (a stream: once its headers are sent). */
  requestAnswered(labels: { route: string; dialect: string; model: string; status: number }): void;
  /** Every turn, once its answer is over; `origin` is where its session came from. */
  turnFinished(record: UsageRecord, origin: string | undefined, upstreamStatus: number | undefined): void;
  /** Every tool call the runtime ran on the server side (an MCP server's tool), once it ended. */
  toolCallFinished(record: ToolCallRecord): void;
  runtimeLost(): void;
  /** A runtime was replaced for holding on to memory. */
  runtimeRecycled(): void;
  watch(sources: GaugeSources): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

export const noMetrics: GatewayMetrics = {
  requestAnswered: () => {},
  turnFinished: () => {},
  toolCallFinished: () => {},
  runtimeLost: () => {},
  runtimeRecycled: () => {},
  watch: () => {},
  render: () => Promise.resolve({ contentType: "text/plain; charset=utf-8", body: "" }),
};

/** A bounded set of route names for labels: the served routes, never a client's arbitrary path. */
export function routeLabel(path: string): string {
  const route = path.replace(/^\/v1(?=\/|$)/, "").replace(/\/+$/, "") || "/";
  if (/^\/responses\/[^/]+$/.test(route)) return "/v1/responses/{id}";
  if (/^\/models\/.+$/.test(route)) return "/v1/models/{id}";
  if (/^\/admin\/keys\/[^/]+$/.test(route)) return "/admin/keys/{id}";
  if (/^\/auth\/keys\/[^/]+$/.test(route)) return "/auth/keys/{id}";
  if (["/auth/github/login", "/auth/github/callback", "/auth/me", "/auth/keys", "/auth/logout", "/auth/device/code", "/auth/device/token"].includes(route)) return route;
  if (["/chat/completions", "/responses", "/messages", "/messages/count_tokens", "/models"].includes(route)) return `/v1${route}`;
  if (["/", "/healthz", "/readyz", "/metrics", "/admin/keys", "/admin/usage", "/admin/tool-calls", "/admin/audit", "/admin/status", "/console"].includes(route)) return route;
  if (/^\/console\/.+$/.test(route)) return "/console/{asset}";
  return "other";
}
