// The CLI's way into the gateway's data: the same database the server uses,
// found by the same settings (--data-dir, --database-url, their environment
// variables and defaults), validated by the same loadConfig.
import { homedir } from "node:os";
import { join } from "node:path";
import type { AdminAuditStore } from "../access/admin-audit.js";
import { KeyAdmin } from "../access/key-admin.js";
import { PeopleAdmin } from "../access/people-admin.js";
import type { UsageStore } from "../access/usage.js";
import { ConfigError } from "../config/config.js";
import { loadConfig } from "../config/load-config.js";
import { AdminAuditRepository } from "../storage/admin-audit-repository.js";
import { openDatabase } from "../storage/database.js";
import { KeyRepository } from "../storage/key-repository.js";
import { PeopleRepository } from "../storage/people-repository.js";
import { ToolCallRepository } from "../storage/tool-call-repository.js";
import { UsageRepository } from "../storage/usage-repository.js";
import type { ToolCallStore } from "../tools/tool-call-log.js";
import { CliError } from "./cli-error.js";

export interface DatabaseFlags {
  "data-dir"?: string | undefined;
  "database-url"?: string | undefined;
}

export interface CliStores {
  admin: KeyAdmin;
  usage: UsageStore;
  toolCalls: ToolCallStore;
  adminAudit: AdminAuditStore;
  /** The people who signed in with GitHub (`copilot-gateway people`). */
  people: PeopleAdmin;
  /** Where the data is, without secrets, for messages such as "no keys in …". */
  description: string;
  close(): Promise<void>;
}

/** The option definitions every command takes, for node:util parseArgs. */
export const DATABASE_OPTIONS = {
  "data-dir": { type: "string" },
  "database-url": { type: "string" },
} as const;

export const DATABASE_HELP = [
  "Database (the one the gateway uses; no running gateway is needed):",
  "  --data-dir <dir>         env COPILOT_GATEWAY_DATA_DIR; default <XDG_CACHE_HOME or ~/.cache>/copilot-gateway",
  "  --database-url <url>     env DATABASE_URL; PostgreSQL instead of <data dir>/gateway.sqlite",
];

export async function openStores(flags: DatabaseFlags, env: Readonly<Record<string, string | undefined>>): Promise<CliStores> {
  // Only the two database settings: an unrelated bad variable (say PORT) must not stop an operator managing keys.
  const argv = [
    ...(flags["data-dir"] !== undefined ? [`--data-dir=${flags["data-dir"]}`] : []),
    ...(flags["database-url"] !== undefined ? [`--database-url=${flags["database-url"]}`] : []),
  ];
  const settingsEnv = { COPILOT_GATEWAY_DATA_DIR: env.COPILOT_GATEWAY_DATA_DIR, DATABASE_URL: env.DATABASE_URL };
  const cacheDir = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  let config;
  try {
    config = loadConfig(argv, settingsEnv, { cacheDir });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, 2);
    throw error;
  }
  let database;
  try {
    database = await openDatabase({ dataDir: config.dataDir, queryTimeoutMs: config.databaseQueryTimeoutMs, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) });
  } catch (error) {
    // The driver's message names no password (pg and SQLite do not echo the URL).
    throw new CliError(`the database did not open: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
  const usage = new UsageRepository(database.db);
  const keys = new KeyRepository(database.db);
  return {
    admin: new KeyAdmin(keys, usage),
    people: new PeopleAdmin(new PeopleRepository(database.db), keys),
    usage,
    toolCalls: new ToolCallRepository(database.db),
    adminAudit: new AdminAuditRepository(database.db),
    description: database.description,
    close: () => database.close(),
  };
}
