// The operators' view of the people who signed in with GitHub, shared by
// /admin/people and `copilot-gateway people`: who they are, their seat,
// whether GitHub still renews their sign-in (and if not, why), their keys and
// when each was last used; and the one change an admin makes to a person,
// disabling or enabling them. Disabling stops all their keys at once, in
// every process (each request reads the person afresh), without touching the
// keys themselves: enabling them again restores the same keys. Each change
// is audited with who made it, in its own transaction (admin-audit.ts).
import type { AdminAuditRecord, ChangeOrigin } from "./admin-audit.js";
import { personFields, type PeopleStore, type Person, type PersonStatus } from "./people.js";
import { csvCell } from "./usage-report.js";
import type { KeyStore, VirtualKey } from "./virtual-keys.js";

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** One of a person's keys as the admin sees it: never its secret. */
function personKeyView(key: VirtualKey, lastUsed: number | undefined) {
  return {
    id: key.id,
    name: key.name,
    hint: key.hint,
    status: key.status,
    created_at: iso(key.createdAt)!,
    /** When it last served a turn; null: never. */
    last_used_at: iso(lastUsed),
  };
}

/** A person as GET /admin/people and `copilot-gateway people --json` show them. */
export function personView(person: Person, keys: readonly VirtualKey[], lastUse: ReadonlyMap<string, number>) {
  const used = keys.map((key) => lastUse.get(key.id)).filter((at): at is number => at !== undefined);
  return {
    id: person.id,
    object: "person" as const,
    ...personFields(person),
    first_signed_in_at: iso(person.createdAt)!,
    signed_in_at: iso(person.signedInAt)!,
    updated_at: iso(person.updatedAt)!,
    /** The newest use of any of their keys; null: none used yet. */
    last_used_at: iso(used.length === 0 ? null : Math.max(...used)),
    /** Their keys, revoked ones too, oldest first. */
    keys: keys.map((key) => personKeyView(key, lastUse.get(key.id))),
  };
}

export type PersonView = ReturnType<typeof personView>;

export class PeopleAdmin {
  constructor(
    private readonly people: PeopleStore,
    private readonly keys: KeyStore,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<PersonView[]> {
    const [people, keys] = await Promise.all([this.people.list(), this.keys.list()]);
    const personal = keys.filter((key) => key.personId !== undefined);
    const lastUse = await this.people.lastUse(personal.map((key) => key.id));
    return people.map((person) => personView(person, personal.filter((key) => key.personId === person.id), lastUse));
  }

  /** One person, by id or login; undefined when there is none. */
  async show(idOrLogin: string): Promise<PersonView | undefined> {
    const person = await this.people.find(idOrLogin);
    return person && this.view(person);
  }

  /**
   * Disables (every key of theirs refused from the next request on, and no
   * sign-in gives them a key) or enables them again; audited as
   * `person.disable` or `person.enable` with who did it. Setting the status
   * they have is recorded too, with no changes, as revoking a revoked key is.
   */
  async setStatus(idOrLogin: string, status: PersonStatus, by: ChangeOrigin): Promise<PersonView | undefined> {
    const person = await this.people.find(idOrLogin);
    if (!person) return undefined;
    const at = this.now();
    const changed = await this.people.setStatus(person.id, status, at, (before, after): AdminAuditRecord => ({
      id: crypto.randomUUID(),
      at,
      actor: by.actor,
      action: status === "disabled" ? "person.disable" : "person.enable",
      target: after.id,
      changes: before.status === after.status ? {} : { status: { from: before.status, to: after.status } },
      requestId: by.requestId,
    }));
    return changed && this.view(changed);
  }

  private async view(person: Person): Promise<PersonView> {
    const keys = this.keys.listOfPerson ? await this.keys.listOfPerson(person.id) : (await this.keys.list()).filter((key) => key.personId === person.id);
    return personView(person, keys, await this.people.lastUse(keys.map((key) => key.id)));
  }
}

const CSV_COLUMNS = ["login", "github_id", "id", "seat", "status", "token_state", "token_problem", "keys", "active_keys", "last_used_at", "signed_in_at", "first_signed_in_at"] as const;

/** RFC 4180 CSV (CRLF line ends): a header row, then one row per person; their keys counted (all, and active). */
export function peopleCsv(people: readonly PersonView[]): string {
  const lines = [CSV_COLUMNS.map(csvCell)];
  for (const person of people) {
    const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
      login: person.login,
      github_id: String(person.github_id),
      id: person.id,
      seat: person.seat,
      status: person.status,
      token_state: person.token_state,
      token_problem: person.token_problem ?? "",
      keys: String(person.keys.length),
      active_keys: String(person.keys.filter((key) => key.status === "active").length),
      last_used_at: person.last_used_at ?? "",
      signed_in_at: person.signed_in_at,
      first_signed_in_at: person.first_signed_in_at,
    };
    lines.push(CSV_COLUMNS.map((column) => csvCell(cells[column])));
  }
  return lines.map((cells) => `${cells.join(",")}\r\n`).join("");
}
