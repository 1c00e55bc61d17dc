// The gateway's metrics in Prometheus' format, through prom-client: requests,
// time to first output and duration, tokens and AI credits, streams and
// sessions, session origins, runtime restarts, upstream failures, the queue,
// and the server-side tool calls (MCP servers) with their durations.
// Node-only (prom-client reads process and event-loop figures).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { UsageRecord } from "../access/usage.js";
import { NANO_AIU_PER_CREDIT } from "../access/virtual-keys.js";
import type { ToolCallRecord } from "../tools/tool-call-log.js";
import type { GatewayMetrics, GaugeSources } from "./metrics.js";
import type { StoreStatus } from "../core/store-outage.js";
import type { LostReason, SpooledKind, StoreFallback, StoreMetrics } from "./store-metrics.js";

const PREFIX = "copilot_gateway_";
/** Seconds: from a fast cached answer to a model thinking for minutes. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds: from a local lookup in milliseconds to a slow remote server the runtime times out. */
const TOOL_CALL_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class PrometheusMetrics implements GatewayMetrics, StoreMetrics {
  readonly registry = new Registry();
  private sources: GaugeSources | undefined;
  private store: StoreStatus | undefined;
  private readonly requests = new Counter({ name: `${PREFIX}requests_total`, help: "HTTP requests answered, by route, dialect, model and status.", labelNames: ["route", "dialect", "model", "status"], registers: [this.registry] });
  private readonly ttft = new Histogram({ name: `${PREFIX}time_to_first_output_seconds`, help: "From a turn's admission to its first output event.", labelNames: ["dialect", "model"], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly duration = new Histogram({ name: `${PREFIX}turn_duration_seconds`, help: "From a turn's admission to the end of its answer.", labelNames: ["dialect", "model", "outcome"], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly turns = new Counter({ name: `${PREFIX}turns_total`, help: "Turns answered, by dialect, model, outcome (ok, error, cancelled) and session origin.", labelNames: ["dialect", "model", "outcome", "origin"], registers: [this.registry] });
  private readonly tokens = new Counter({ name: `${PREFIX}tokens_total`, help: "Tokens the runtime reported (or the gateway estimated), by model and kind.", labelNames: ["model", "kind"], registers: [this.registry] });
  private readonly credits = new Counter({ name: `${PREFIX}ai_credits_total`, help: "AI credits the runtime reported (1 credit = 10^9 nano-AIU), by model.", labelNames: ["model"], registers: [this.registry] });
  private readonly upstreamFailures = new Counter({ name: `${PREFIX}upstream_failures_total`, help: "Turns the model provider failed, by the HTTP status they were answered with.", labelNames: ["status"], registers: [this.registry] });
  // Server and tool names come from the operator's MCP configuration, not from clients: a bounded set.
  private readonly toolCalls = new Counter({ name: `${PREFIX}tool_calls_total`, help: "Tool calls the runtime ran on the server side, by MCP server, tool and outcome (ok, error, refused, timeout).", labelNames: ["server", "tool", "outcome"], registers: [this.registry] });
  private readonly toolCallDuration = new Histogram({ name: `${PREFIX}tool_call_duration_seconds`, help: "How long a server-side tool call took, by MCP server.", labelNames: ["server"], buckets: TOOL_CALL_BUCKETS, registers: [this.registry] });
  private readonly restarts = new Counter({ name: `${PREFIX}runtime_restarts_total`, help: "Times the Copilot runtime was lost and replaced.", registers: [this.registry] });
  private readonly recycles = new Counter({ name: `${PREFIX}runtime_recycles_total`, help: "Times a Copilot runtime was replaced between turns for holding on to memory.", registers: [this.registry] });
  private readonly storeOutages = new Counter({ name: `${PREFIX}store_outages_total`, help: "Times the database became unavailable.", registers: [this.registry] });
  private readonly storeFailures = new Counter({ name: `${PREFIX}store_failures_total`, help: "Database operations that failed for an outage, or were refused at once during one.", registers: [this.registry] });
  private readonly storeFallbacks = new Counter({ name: `${PREFIX}store_fallbacks_total`, help: "What was answered from memory while the database was unavailable: a key, a per-minute count, a budget's spend.", labelNames: ["what"], registers: [this.registry] });
  private readonly spooled = new Counter({ name: `${PREFIX}records_spooled_total`, help: "Usage and tool-call records the database could not take, spooled on disk or (the disk refusing them too) in memory.", labelNames: ["kind", "where"], registers: [this.registry] });
  private readonly spoolWrites = new Counter({ name: `${PREFIX}spooled_records_written_total`, help: "Spooled records written to the database once it answered.", labelNames: ["kind"], registers: [this.registry] });
  private readonly lost = new Counter({ name: `${PREFIX}records_lost_total`, help: "Usage and tool-call records lost: the spool was full, a spool file was damaged, or the process stopped holding records it could not put on disk.", labelNames: ["kind", "reason"], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    const read = <T>(pick: (sources: GaugeSources) => T, fallback: T) => (this.sources ? pick(this.sources) : fallback);
    new Gauge({
      name: `${PREFIX}streams_in_flight`,
      help: "Requests being answered (a stream counts until its last byte).",
      registers: [this.registry],
      collect: function () {
        this.set(read((sources) => sources.streamsInFlight(), 0));
      },
    });
    new Gauge({
      name: `${PREFIX}sessions`,
      help: "Copilot sessions the gateway holds for conversations to continue, by state (live, suspended).",
      labelNames: ["state"],
      registers: [this.registry],
      collect: function () {
        const { live, suspended } = read((sources) => sources.sessions(), { live: 0, suspended: 0 });
        this.set({ state: "live" }, live);
        this.set({ state: "suspended" }, suspended);
      },
    });
    new Gauge({
      name: `${PREFIX}turns_in_flight`,
      help: "Turns holding one of the gateway's slots (GATEWAY_MAX_TURNS).",
      registers: [this.registry],
      collect: function () {
        this.set(read((sources) => sources.turnSlots().inFlight, 0));
      },
    });
    const store = () => this.store;
    new Gauge({
      name: `${PREFIX}store_available`,
      help: "1 while the database answers, 0 during an outage.",
      registers: [this.registry],
      collect: function () {
        this.set(store()?.outageSince() === undefined ? 1 : 0);
      },
    });
    new Gauge({
      name: `${PREFIX}spooled_records`,
      help: "Records waiting in the spool for the database.",
      registers: [this.registry],
      collect: function () {
        this.set(store()?.spooledRecords() ?? 0);
      },
    });
    new Gauge({
      name: `${PREFIX}queue_length`,
      help: "Turns waiting for a slot.",
      registers: [this.registry],
      collect: function () {
        this.set(read((sources) => sources.turnSlots().waiting, 0));
      },
    });
  }

  requestAnswered(labels: { route: string; dialect: string; model: string; status: number }): void {
    this.requests.inc({ ...labels, status: String(labels.status) });
  }

  turnFinished(record: UsageRecord, origin: string | undefined, upstreamStatus: number | undefined): void {
    const { dialect, model } = record;
    if (record.ttftMs !== null) this.ttft.observe({ dialect, model }, record.ttftMs / 1000);
    this.duration.observe({ dialect, model, outcome: record.status }, record.durationMs / 1000);
    this.turns.inc({ dialect, model, outcome: record.status, origin: origin ?? "none" });
    const kinds = { input: record.inputTokens, output: record.outputTokens, cache_read: record.cacheReadTokens, cache_write: record.cacheWriteTokens, reasoning: record.reasoningTokens };
    for (const [kind, count] of Object.entries(kinds)) if (count > 0) this.tokens.inc({ model, kind }, count);
    if (record.nanoAiu) this.credits.inc({ model }, record.nanoAiu / NANO_AIU_PER_CREDIT);
    if (upstreamStatus !== undefined) this.upstreamFailures.inc({ status: String(upstreamStatus) });
  }

  toolCallFinished(record: ToolCallRecord): void {
    this.toolCalls.inc({ server: record.server, tool: record.tool, outcome: record.outcome });
    this.toolCallDuration.observe({ server: record.server }, record.durationMs / 1000);
  }

  runtimeLost(): void {
    this.restarts.inc();
  }

  runtimeRecycled(): void {
    this.recycles.inc();
  }

  storeAvailability(available: boolean): void {
    if (!available) this.storeOutages.inc();
  }

  storeFailure(): void {
    this.storeFailures.inc();
  }

  storeFallback(what: StoreFallback): void {
    this.storeFallbacks.inc({ what });
  }

  recordSpooled(kind: SpooledKind, where: "disk" | "memory"): void {
    this.spooled.inc({ kind, where });
  }

  spoolWritten(kind: SpooledKind, count: number): void {
    this.spoolWrites.inc({ kind }, count);
  }

  recordsLost(kind: SpooledKind, reason: LostReason, count: number): void {
    this.lost.inc({ kind, reason }, count);
  }

  watchStore(status: StoreStatus): void {
    this.store = status;
  }

  watch(sources: GaugeSources): void {
    this.sources = sources;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
