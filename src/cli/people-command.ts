// `copilot-gateway people [list] [--csv|--json]`, `people show <login|id>` and
// `people disable|enable <login|id>`: the people who signed in with GitHub,
// straight from the database, through PeopleAdmin — the calls /admin/people
// makes. Disabling stops all of a person's keys on every gateway process from
// its next request on; each change is audited as the operating-system user
// at the CLI (`cli:<user>`).
import { peopleCsv, type PersonView } from "../access/people-admin.js";
import { cliOrigin } from "./audit-command.js";
import { CliError, usageError } from "./cli-error.js";
import { COMMON_HELP, COMMON_OPTIONS, parseFlags, printJson, type CliEnv, type CliIo } from "./command-line.js";
import { DATABASE_HELP, openStores } from "./open-stores.js";
import { printable, table } from "./text-output.js";

const LIST_OPTIONS = { ...COMMON_OPTIONS, csv: { type: "boolean" } } as const;

export const PEOPLE_HELP = [
  "Usage: copilot-gateway people [list] [--csv | --json]",
  "       copilot-gateway people show <login|id> [--json]",
  "       copilot-gateway people disable|enable <login|id> [--json]",
  "",
  "The people who signed in with GitHub: their seat, whether GitHub still renews their sign-in (and why not),",
  "their keys and when they were last used.",
  "",
  "Commands:",
  "  list                     Everyone, by login (the default).",
  "  show <login|id>          One person and each of their keys.",
  "  disable <login|id>       Stop all their keys at once, on every gateway process; signing in gives them no key.",
  "  enable <login|id>        Let their keys work again.",
  "",
  "Options:",
  "  --csv                    Print CSV (RFC 4180), as GET /admin/people?format=csv (list only).",
  ...COMMON_HELP,
  "",
  ...DATABASE_HELP,
].join("\n");

const COMMANDS = ["list", "show", "disable", "enable"] as const;
type Command = (typeof COMMANDS)[number];

export async function runPeopleCommand(argv: string[], env: CliEnv, io: CliIo): Promise<number> {
  const named = argv[0] !== undefined && !argv[0].startsWith("-");
  const command = (named ? argv[0] : "list") as Command;
  if (named && !(COMMANDS as readonly string[]).includes(command)) {
    io.err(`${PEOPLE_HELP}\n`);
    throw usageError(`unknown command ${JSON.stringify(printable(command))}`);
  }
  const { values, positionals } = parseFlags(named ? argv.slice(1) : argv, LIST_OPTIONS);
  if (values.help) {
    io.out(`${PEOPLE_HELP}\n`);
    return 0;
  }
  if (values.csv && values.json) throw usageError("--csv and --json cannot be used together");
  if (values.csv && command !== "list") throw usageError("--csv is for the list");
  const takesPerson = command !== "list";
  if (takesPerson && positionals.length === 0) throw usageError(`a login or person id is required: copilot-gateway people ${command} <login|id>`);
  if (positionals.length > (takesPerson ? 1 : 0)) throw usageError(`unexpected argument ${JSON.stringify(printable(positionals[takesPerson ? 1 : 0]!))}`);
  const who = positionals[0] ?? "";

  const stores = await openStores(values, env);
  try {
    if (command === "list") {
      const people = await stores.people.list();
      if (values.json) printJson(io, { object: "list", data: people });
      else if (values.csv) io.out(peopleCsv(people));
      else io.out(`${people.length === 0 ? `Nobody has signed in with GitHub in ${stores.description}.` : peopleTable(people)}\n`);
      return 0;
    }
    const person =
      command === "show" ? await stores.people.show(who) : await stores.people.setStatus(who, command === "disable" ? "disabled" : "active", cliOrigin(env));
    if (!person) throw new CliError(`nobody who signed in has the login or id ${JSON.stringify(printable(who.slice(0, 100)))}`, 1);
    if (values.json) printJson(io, person);
    else io.out(`${headline(command, person)}${personText(person)}\n`);
    return 0;
  } finally {
    await stores.close();
  }
}

function headline(command: Command, person: PersonView): string {
  const login = printable(person.login);
  if (command === "disable") return `Disabled ${login}: all their keys are refused from the next request on, by every gateway process.\n\n`;
  if (command === "enable") return `Enabled ${login}: their keys work again.\n\n`;
  return "";
}

function signInText(person: PersonView): string {
  return person.token_state === "valid" ? "valid" : `refused: ${person.token_problem ?? "GitHub refused to renew it"}`;
}

function peopleTable(people: readonly PersonView[]): string {
  return table(
    ["LOGIN", "GITHUB ID", "SEAT", "STATUS", "SIGN-IN", "KEYS", "LAST USED", "ID"],
    people.map((person) => [
      person.login,
      String(person.github_id),
      person.seat,
      person.status,
      signInText(person),
      `${person.keys.filter((key) => key.status === "active").length}/${person.keys.length}`,
      person.last_used_at ?? "never",
      person.id,
    ]),
  );
}

function personText(person: PersonView): string {
  const lines = [
    `login        ${printable(person.login)}`,
    `id           ${person.id}`,
    `github id    ${person.github_id}`,
    `seat         ${person.seat}`,
    `status       ${person.status}`,
    `sign-in      ${printable(signInText(person))}`,
    `signed in    ${person.signed_in_at}`,
    `last used    ${person.last_used_at ?? "never"}`,
    "",
  ];
  if (person.keys.length === 0) return [...lines, "No keys."].join("\n");
  const keys = table(
    ["KEY", "NAME", "STATUS", "LAST USED", "HINT"],
    person.keys.map((key) => [key.id, key.name, key.status, key.last_used_at ?? "never", key.hint]),
  );
  return [...lines, keys].join("\n");
}
