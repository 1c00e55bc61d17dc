// `copilot-gateway keys create|list|show|update|revoke`: virtual keys managed
// straight in the database, through KeyAdmin — the calls the admin API makes;
// each change audited as made by the operating-system user at the CLI.
import type { KeyDetails } from "../access/key-admin.js";
import { cliOrigin } from "./audit-command.js";
import { CliError, usageError } from "./cli-error.js";
import { COMMON_HELP, COMMON_OPTIONS, parseFlags, printJson, type CliEnv, type CliIo } from "./command-line.js";
import { createInputFromFlags, KEY_SETTING_OPTIONS, KEY_SETTINGS_HELP, KEY_UPDATE_HELP, KEY_UPDATE_OPTIONS, readUpdateFlags, updateInputFrom, type KeyFlags } from "./key-flags.js";
import { DATABASE_HELP, openStores } from "./open-stores.js";
import { keyDetailsText, keysTable, printable } from "./text-output.js";

const CREATE_OPTIONS = { ...COMMON_OPTIONS, ...KEY_SETTING_OPTIONS } as const;
const UPDATE_OPTIONS = { ...COMMON_OPTIONS, ...KEY_SETTING_OPTIONS, ...KEY_UPDATE_OPTIONS } as const;

export const KEYS_HELP = [
  "Usage: copilot-gateway keys <command> [options]",
  "",
  "Manage the gateway's virtual API keys, straight in its database.",
  "",
  "Commands:",
  "  create --name <name> [settings]   Create a key; its secret is printed once.",
  "  list                              All keys.",
  "  show <id>                         One key, with what it spent in its budget period.",
  "  update <id> [settings]            Change a key.",
  "  revoke <id>                       Revoke a key for good.",
  "",
  "Run `copilot-gateway keys <command> --help` for a command's options.",
].join("\n");

const HELP: Record<string, string[]> = {
  create: ["Usage: copilot-gateway keys create --name <name> [settings]", "", "Creates a key and prints its secret, once: only a hash is kept.", "", "Settings:", "  --name <name>              What the key is for (required).", ...KEY_SETTINGS_HELP],
  list: ["Usage: copilot-gateway keys list", "", "Lists every key (secrets are never shown)."],
  show: ["Usage: copilot-gateway keys show <id>", "", "Shows a key and, when it has a budget, what it spent in the current period."],
  update: ["Usage: copilot-gateway keys update <id> [settings]", "", "Changes the settings given; the others stay.", "", "Settings:", "  --name <name>", ...KEY_SETTINGS_HELP, ...KEY_UPDATE_HELP],
  revoke: ["Usage: copilot-gateway keys revoke <id>", "", "Revokes a key for good: every gateway process refuses it from the next request on."],
};

export async function runKeysCommand(argv: string[], env: CliEnv, io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    io.out(`${KEYS_HELP}\n`);
    return 0;
  }
  if (command === undefined || !(command in HELP)) {
    io.err(`${KEYS_HELP}\n`);
    throw usageError(command === undefined ? "a command is required" : `unknown command ${JSON.stringify(command)}`);
  }
  const { values, positionals } = parseFlags(args, command === "create" ? CREATE_OPTIONS : command === "update" ? UPDATE_OPTIONS : COMMON_OPTIONS);
  if (values.help) {
    io.out(`${[...HELP[command]!, "", "Options:", ...COMMON_HELP, "", ...DATABASE_HELP].join("\n")}\n`);
    return 0;
  }
  const takesId = command === "show" || command === "update" || command === "revoke";
  if (takesId && positionals.length === 0) throw usageError(`a key id is required: copilot-gateway keys ${command} <id>`);
  if (positionals.length > (takesId ? 1 : 0)) throw usageError(`unexpected argument ${JSON.stringify(positionals[takesId ? 1 : 0])}`);
  const id = positionals[0] ?? "";
  const flags = values as KeyFlags;
  const json = values.json === true;

  // A bad flag is reported before the database is opened.
  const createInput = command === "create" ? createInputFromFlags(flags, Date.now()) : undefined;
  const pendingUpdate = command === "update" ? readUpdateFlags(flags, Date.now()) : undefined;
  const stores = await openStores(values, env);
  const by = cliOrigin(env);
  try {
    switch (command) {
      case "create": {
        const created = await stores.admin.create(createInput!, by);
        return print(io, json, created, () =>
          [
            `Created API key ${created.id}.`,
            "",
            keyDetailsText(created),
            "",
            `secret  ${created.key}`,
            "",
            "Store the secret now: it will not be shown again (only its hash is kept).",
          ].join("\n"),
        );
      }
      case "list": {
        const keys = await stores.admin.list();
        return print(io, json, { object: "list", data: keys }, () => (keys.length === 0 ? `No API keys in ${stores.description}.` : keysTable(keys)));
      }
      case "show": {
        const key = found(await stores.admin.show(id), id);
        return print(io, json, key, () => keyDetailsText(key));
      }
      case "update": {
        const currentBudget = pendingUpdate!.budget ? found(await stores.admin.show(id), id).budget : null;
        const input = updateInputFrom(pendingUpdate!, currentBudget);
        const updated = found(await stores.admin.update(id, input, by), id);
        if (input.status === "active" && updated.status === "revoked") io.err("The key is revoked, and a revoked key stays revoked: its status did not change.\n");
        return print(io, json, updated, () => `Updated API key ${printable(updated.id)}.\n\n${keyDetailsText(updated)}`);
      }
      default: {
        const revoked = found(await stores.admin.revoke(id, by), id);
        return print(io, json, revoked, () => `Revoked API key ${printable(revoked.id)}: it is refused from the next request on.\n\n${keyDetailsText(revoked)}`);
      }
    }
  } finally {
    await stores.close();
  }
}

/** The admin API's JSON with --json, else the text for a person. */
function print(io: CliIo, json: boolean, value: unknown, text: () => string): number {
  if (json) printJson(io, value);
  else io.out(`${text()}\n`);
  return 0;
}

function found(key: KeyDetails | undefined, id: string): KeyDetails {
  if (key) return key;
  throw new CliError(`no API key has the id ${JSON.stringify(printable(id.slice(0, 100)))}`, 1);
}
