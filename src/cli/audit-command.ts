// `copilot-gateway audit`: the audit of admin changes of GET /admin/audit,
// read straight from the database, newest first, as a table, CSV or the
// API's JSON. Also who the CLI's own changes are attributed to.
import { userInfo } from "node:os";
import type { ChangeOrigin } from "../access/admin-audit.js";
import { auditCsv, auditList, auditView, parseAuditFilter, type AuditParam } from "../access/admin-audit-report.js";
import type { AdminAuditRecord } from "../access/admin-audit.js";
import { filterFromFlags, usageError } from "./cli-error.js";
import { COMMON_HELP, COMMON_OPTIONS, parseFlags, printJson, type CliEnv, type CliIo } from "./command-line.js";
import { DATABASE_HELP, openStores } from "./open-stores.js";
import { table } from "./text-output.js";

const AUDIT_OPTIONS = {
  ...COMMON_OPTIONS,
  from: { type: "string" },
  to: { type: "string" },
  actor: { type: "string" },
  action: { type: "string" },
  key: { type: "string" },
  limit: { type: "string" },
  csv: { type: "boolean" },
} as const;

export const AUDIT_HELP = [
  "Usage: copilot-gateway audit [--from <when>] [--to <when>] [--actor <who>] [--action <action>] [--key <id>] [--limit <n>] [--csv | --json]",
  "",
  "Changes made through the admin API and this CLI (keys created, changed, revoked; people disabled, enabled), newest first, with who made them.",
  "",
  "Options:",
  "  --from <when>            From this moment on: an ISO datetime with offset, YYYY-MM-DD (UTC midnight) or epoch ms.",
  "  --to <when>              Up to this moment, exclusive; same forms.",
  "  --actor <who>            admin-key, cli, github, or one person: cli:<user>, github:<login>.",
  "  --action <action>        key.create, key.update, key.revoke, person.disable or person.enable.",
  "  --key <id>               Only changes to this key (or person, by their person_… id).",
  "  --limit <n>              At most this many, 1 to 1000; default 100.",
  "  --csv                    Print CSV (RFC 4180), as GET /admin/audit?format=csv.",
  ...COMMON_HELP,
  "",
  ...DATABASE_HELP,
].join("\n");

/** The flag each query parameter is given as. */
const FLAG_OF: Record<AuditParam, string> = { from: "from", to: "to", actor: "actor", action: "action", target: "key", limit: "limit" };

export async function runAuditCommand(argv: string[], env: CliEnv, io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, AUDIT_OPTIONS);
  if (values.help) {
    io.out(`${AUDIT_HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.csv && values.json) throw usageError("--csv and --json cannot be used together");
  const filter = filterFromFlags(
    () => parseAuditFilter({ from: values.from, to: values.to, actor: values.actor, action: values.action, target: values.key, limit: values.limit }),
    (param) => `--${FLAG_OF[param as AuditParam]}`,
  );
  const stores = await openStores(values, env);
  try {
    const records = await stores.adminAudit.list(filter);
    if (values.json) printJson(io, auditList(records));
    else if (values.csv) io.out(auditCsv(records));
    else io.out(`${auditTable(records)}\n`);
    return 0;
  } finally {
    await stores.close();
  }
}

function auditTable(records: readonly AdminAuditRecord[]): string {
  if (records.length === 0) return "No admin changes recorded.";
  return table(
    ["TIME", "ACTOR", "ACTION", "KEY", "CHANGES", "REQUEST"],
    records.map(auditView).map((view) => [
      view.at,
      view.actor,
      view.action,
      view.target,
      Object.entries(view.changes)
        .map(([field, change]) => `${field}: ${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`)
        .join("; ") || "-",
      view.request_id ?? "-",
    ]),
  );
}

/**
 * Who the CLI's changes are audited as: the operating-system user running it
 * (the CLI works on the database directly, so that is all it can know).
 */
export function cliOrigin(env: CliEnv): ChangeOrigin {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    // A uid with no passwd entry (some containers): the login shell's name, if any.
  }
  return { actor: { kind: "cli", user: user || env.USER || env.LOGNAME || "unknown" }, requestId: null };
}
