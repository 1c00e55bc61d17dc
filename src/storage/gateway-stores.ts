// The stores as the server uses them: the database under its supervisor,
// and around its repositories what carries the gateway through an outage —
// keys confirmed lately served from memory (access/remembered-keys.ts),
// per-minute counts and spend answered from what is known
// (access/outage-usage.ts), and usage and tool-call records the store cannot
// take spooled under the data directory (record-spool.ts). The process entry
// and the test gateway open them the same way.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { OutageTolerantUsage } from "../access/outage-usage.js";
import { RememberedKeys } from "../access/remembered-keys.js";
import type { UsageRecord, UsageStore } from "../access/usage.js";
import type { Logger } from "../core/logger.js";
import { isStoreUnavailable, type StoreStatus } from "../core/store-outage.js";
import { noStoreMetrics, type StoreMetrics } from "../observability/store-metrics.js";
import type { ToolCallFilter, ToolCallRecord, ToolCallStore } from "../tools/tool-call-log.js";
import { AdminAuditRepository } from "./admin-audit-repository.js";
import { openSupervisedDatabase, type DatabaseOptions, type SupervisedDatabase } from "./database.js";
import { KeyRepository } from "./key-repository.js";
import { PeopleRepository } from "./people-repository.js";
import { RecordSpool, type SpoolEntry } from "./record-spool.js";
import { ResponseRepository } from "./response-repository.js";
import { ToolCallRepository } from "./tool-call-repository.js";
import { UsageRepository } from "./usage-repository.js";

export interface GatewayStoresOptions extends DatabaseOptions {
  logger: Logger;
  metrics?: StoreMetrics;
  /** A virtual key confirmed at most this long before an outage began is served during it; 0: none is. */
  outageKeyWindowMs: number;
  /** Bytes the spool (`<data dir>/spool/`) may hold. */
  spoolMaxBytes: number;
  /** Between probes of a store that is out (default 1 s). */
  probeIntervalMs?: number;
  /** How often remembered keys follow changes made by other processes (default 10 s). */
  keyRefreshMs?: number;
}

export interface GatewayStores {
  database: SupervisedDatabase;
  status: StoreStatus;
  keys: RememberedKeys;
  usage: UsageStore;
  toolCalls: SpooledToolCalls;
  responses: ResponseRepository;
  /** People who signed in with GitHub, and their sealed grants. */
  people: PeopleRepository;
  /** The audit of admin changes; its records are written with the changes (KeyRepository). */
  adminAudit: AdminAuditRepository;
  /** The repositories under them, for what needs the store itself (reports in tests). */
  usageRepository: UsageRepository;
  spool: RecordSpool;
  /** Writes what it can of the spool (for up to 2 s), then closes the database. */
  close(): Promise<void>;
}

export const SPOOL_DIR = "spool";

export async function openGatewayStores(options: GatewayStoresOptions): Promise<GatewayStores> {
  const metrics = options.metrics ?? noStoreMetrics;
  const database = await openSupervisedDatabase(options, {
    logger: options.logger,
    metrics,
    ...(options.probeIntervalMs ? { probeIntervalMs: options.probeIntervalMs } : {}),
  });
  const { supervisor } = database;
  const storeAnswers = () => supervisor.outageSince() === undefined;
  const usageRepository = new UsageRepository(database.db);
  const toolCallRepository = new ToolCallRepository(database.db);
  const spool = new RecordSpool({
    dir: join(options.dataDir, SPOOL_DIR),
    maxBytes: options.spoolMaxBytes,
    storeAvailable: storeAnswers,
    logger: options.logger,
    metrics,
    write: (entries) => writeSpooled(entries, usageRepository, toolCallRepository),
  });
  supervisor.countSpooledBy(() => spool.size);
  supervisor.onBack(() => void spool.flush());
  await spool.start();

  const keys = new RememberedKeys(new KeyRepository(database.db), {
    windowMs: options.outageKeyWindowMs,
    outageSince: () => supervisor.outageSince(),
    onRecalled: () => metrics.storeFallback("key"),
  });
  const refresher = setInterval(() => {
    if (storeAnswers()) keys.refresh().catch(() => undefined);
  }, options.keyRefreshMs ?? 10_000);
  refresher.unref();
  const usage = new OutageTolerantUsage(usageRepository, {
    spool: { add: (record) => spool.add({ kind: "usage", id: record.id, record }), pendingSpend: (keyId, from) => spool.pendingSpend(keyId, from) },
    serveFromMemory: options.outageKeyWindowMs > 0,
    onAnswered: (what) => metrics.storeFallback(what),
  });
  metrics.watchStore(supervisor);
  return {
    database,
    status: supervisor,
    keys,
    usage,
    toolCalls: new SpooledToolCalls(toolCallRepository, spool),
    responses: new ResponseRepository(database.db),
    people: new PeopleRepository(database.db),
    adminAudit: new AdminAuditRepository(database.db),
    usageRepository,
    spool,
    async close() {
      clearInterval(refresher);
      await spool.close();
      await database.close();
    },
  };
}

/** The tool-call audit, spooled like usage when the store cannot take a record. */
export class SpooledToolCalls implements ToolCallStore {
  constructor(
    private readonly repository: ToolCallRepository,
    private readonly spool: RecordSpool,
  ) {}

  async record(call: ToolCallRecord): Promise<void> {
    // The id is made before the first try, so the spooled record is the same record.
    const id = randomUUID();
    try {
      await this.repository.record(call, id);
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      this.spool.add({ kind: "tool_call", id, record: call });
    }
  }

  list(filter: ToolCallFilter): Promise<ToolCallRecord[]> {
    return this.repository.list(filter);
  }

  sweep(): Promise<void> {
    return this.repository.sweep();
  }
}

async function writeSpooled(entries: SpoolEntry[], usage: UsageRepository, toolCalls: ToolCallRepository): Promise<void> {
  const records: UsageRecord[] = [];
  const calls: Array<{ id: string; call: ToolCallRecord }> = [];
  for (const entry of entries) {
    if (entry.kind === "usage") records.push(entry.record);
    else calls.push({ id: entry.id, call: entry.record });
  }
  await usage.recordMany(records);
  await toolCalls.recordMany(calls);
}
