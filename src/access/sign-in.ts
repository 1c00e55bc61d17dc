// What signing in gives a person: their GitHub grant kept sealed under their
// record, and personal keys — virtual keys that belong to them and run on
// their own Copilot seat. Shared by the web flow, the device flow and the
// console's "your keys" page; the admin's view of people builds on the same
// store. A personal key's secret is shown once, like any key's.
import type { Caller } from "./caller.js";
import { PersonTokens } from "./person-tokens.js";
import { PersonDisabled, SignInEnded, type GitHubGrant, type GitHubSignIn, type PeopleStore, type Person } from "./people.js";
import { hashSecret, keyView, newKeySecret, type KeyStore, type VirtualKey } from "./virtual-keys.js";

export type PersonalKeyView = Pick<ReturnType<typeof keyView>, "id" | "name" | "hint" | "status" | "created_at" | "updated_at">;

export class PeopleSignIn {
  constructor(
    private readonly people: PeopleStore,
    private readonly keys: KeyStore,
    private readonly github: GitHubSignIn,
    readonly tokens: PersonTokens,
    private readonly now: () => number = Date.now,
  ) {}

  /** The person this grant is, created or brought up to date, with the grant kept for their keys. */
  async signIn(grant: GitHubGrant): Promise<Person> {
    const profile = await this.github.profile(grant.accessToken);
    const now = this.now();
    return this.people.signedIn(profile, await this.tokens.seal(profile.githubId, grant, now), now);
  }

  person(id: string): Promise<Person | undefined> {
    return this.people.get(id);
  }

  async keysOf(person: Person): Promise<PersonalKeyView[]> {
    const keys = this.keys.listOfPerson ? await this.keys.listOfPerson(person.id) : (await this.keys.list()).filter((key) => key.personId === person.id);
    return keys.filter((key) => key.status !== "revoked").map(personalView);
  }

  /** A new key of the person's, with its secret: the only time it is seen. */
  async createKey(person: Person, name: string): Promise<PersonalKeyView & { key: string }> {
    const { id, secret, hint } = newKeySecret();
    const now = this.now();
    const key: VirtualKey = {
      id,
      hint,
      name,
      owner: person.login,
      personId: person.id,
      models: null,
      mcpServers: [],
      budget: null,
      rpmLimit: null,
      maxParallel: null,
      expiresAt: null,
      status: "active",
      createdAt: now,
      updatedAt: now,
    };
    await this.keys.create(key, await hashSecret(secret));
    return { ...personalView(key), key: secret };
  }

  /** Renames or revokes one of the person's own keys; undefined when it is not theirs (or gone). */
  async changeKey(person: Person, id: string, change: { name: string } | { status: "revoked" }): Promise<PersonalKeyView | undefined> {
    const key = await this.keys.get(id);
    if (!key || key.personId !== person.id || key.status === "revoked") return undefined;
    const changed = await this.keys.update(id, change, this.now());
    return changed && personalView(changed);
  }

  /**
   * The caller a personal key makes: on its owner's seat, with their token
   * (refreshed when due). Throws SignInEnded when the owner must sign in
   * again, with the reason, and PersonDisabled when an admin disabled them.
   */
  async callerOf(key: VirtualKey): Promise<Caller> {
    const person = await this.people.get(key.personId!);
    if (!person) throw new SignInEnded("This key's owner is no longer known to the gateway.");
    // Read afresh on every request: a person disabled through any process is refused by all of them at once.
    if (person.status === "disabled") throw new PersonDisabled();
    const gitHubToken = await this.tokens.accessToken(person);
    return { kind: "key", id: key.id, partition: `person:${person.id}`, key, gitHubToken };
  }
}

function personalView(key: VirtualKey): PersonalKeyView {
  const { id, name, hint, status, created_at, updated_at } = keyView(key);
  return { id, name, hint, status, created_at, updated_at };
}
