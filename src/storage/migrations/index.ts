// Every migration, in order, as code (no files read at run time, so `dist/`
// needs nothing beside it). Names sort in the order they apply; never rename
// or edit one that has shipped: add the next.
import type { Migration, MigrationProvider } from "kysely";
import * as storedResponses from "./0001-stored-responses.js";
import * as keysAndUsage from "./0002-keys-and-usage.js";
import * as keyMcpServers from "./0003-key-mcp-servers.js";
import * as toolCalls from "./0004-tool-calls.js";
import * as budgetHolds from "./0005-budget-holds.js";
import * as people from "./0006-people.js";
import * as adminAudit from "./0007-admin-audit.js";

const MIGRATIONS: Record<string, Migration> = {
  "0001-stored-responses": storedResponses,
  "0002-keys-and-usage": keysAndUsage,
  "0003-key-mcp-servers": keyMcpServers,
  "0004-tool-calls": toolCalls,
  "0005-budget-holds": budgetHolds,
  "0006-people": people,
  "0007-admin-audit": adminAudit,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
