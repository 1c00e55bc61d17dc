// People who signed in with GitHub, and what the gateway holds for each: who
// they are on GitHub, whether they have a Copilot seat, whether an admin
// disabled them, and the GitHub grant their personal keys run on (kept
// sealed, see secret-box.ts). The store behind PeopleStore is the database;
// the GitHub side is behind GitHubSignIn. Web-standard only.
import type { AdminAuditRecord } from "./admin-audit.js";

export type SeatStatus = "active" | "none" | "unknown";
export type PersonStatus = "active" | "disabled";
/** `refused`: GitHub refused to renew the grant (app revoked, person left, seat lost); they must sign in again. */
export type TokenState = "valid" | "refused";

export interface Person {
  /** `person_<hex>`: the gateway's own id, which keys point at. */
  id: string;
  /** GitHub's numeric user id: stable across a renamed login. */
  githubId: number;
  login: string;
  seat: SeatStatus;
  status: PersonStatus;
  tokenState: TokenState;
  /** Why their grant stopped, for them and for admins; null while it works. */
  tokenProblem: string | null;
  createdAt: number;
  updatedAt: number;
  signedInAt: number;
}

/** A GitHub grant as the store keeps it: both tokens sealed, the times in clear. */
export interface SealedGrant {
  accessToken: string;
  /** Milliseconds since the epoch; null: the token does not expire (an OAuth App's). */
  accessExpiresAt: number | null;
  refreshToken: string | null;
  refreshExpiresAt: number | null;
}

export interface StoredGrant extends SealedGrant {
  /** Until when a process holds the right to refresh it; null when none does. */
  claimUntil: number | null;
}

export interface GitHubProfile {
  githubId: number;
  login: string;
  seat: SeatStatus;
}

/** Makes the audit record of a person's change from them before and after; the store calls it inside the change's transaction. */
export type PersonAuditOf = (before: Person, after: Person) => AdminAuditRecord;

export interface PeopleStore {
  /**
   * Creates the person GitHub named, or updates them (by GitHub id), with a
   * new grant: their token state is valid again. Their status stays as an
   * admin left it: a disabled person signing in stays disabled (and the
   * sign-in routes give them no session and no key).
   */
  signedIn(profile: GitHubProfile, grant: SealedGrant, now: number): Promise<Person>;
  get(id: string): Promise<Person | undefined>;
  /** Everyone who ever signed in, by login. */
  list(): Promise<Person[]>;
  /** The person with this id, or else this login (any case); undefined when none. */
  find(idOrLogin: string): Promise<Person | undefined>;
  /**
   * Disables or enables a person, with the audit record `audit` makes, in one
   * transaction: both are kept, or neither. Their keys are refused (or served
   * again) from the next request on, by every process: each request reads
   * the person afresh. The person after the change; undefined when there is none.
   */
  setStatus(id: string, status: PersonStatus, now: number, audit: PersonAuditOf): Promise<Person | undefined>;
  /** When each of these keys last served a turn (its newest usage record), by key id; keys never used are absent. */
  lastUse(keyIds: readonly string[]): Promise<Map<string, number>>;
  grant(personId: string): Promise<StoredGrant | undefined>;
  /**
   * Takes the right to refresh the grant until `until`, for one process at a
   * time across all of them: true only when no claim is live and the grant
   * still expires when `seenExpiresAt` says (nobody refreshed it meanwhile).
   */
  claimRefresh(personId: string, claim: string, seenExpiresAt: number | null, until: number, now: number): Promise<boolean>;
  /** The refreshed grant, written only by the holder of the claim, which ends. */
  refreshed(personId: string, claim: string, grant: SealedGrant, now: number): Promise<void>;
  /** Ends the claim without a new grant (GitHub could not be reached). */
  releaseClaim(personId: string, claim: string): Promise<void>;
  /** GitHub refused the grant: the person's keys stop until they sign in again. */
  refused(personId: string, problem: string, now: number): Promise<void>;
}

/** A grant as GitHub gives it, in clear: only ever in memory. */
export interface GitHubGrant {
  accessToken: string;
  /** Seconds; absent when the token does not expire. */
  expiresIn?: number;
  refreshToken?: string;
  refreshExpiresIn?: number;
}

/** GitHub's answer to a token request (code, device code or refresh), by its `error` field. */
export type GrantAnswer =
  | { kind: "granted"; grant: GitHubGrant }
  | { kind: "pending" }
  | { kind: "slow_down"; interval?: number }
  | { kind: "expired" }
  | { kind: "denied" }
  | { kind: "refused"; error: string; description?: string };

export interface DeviceCode {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  /** Seconds. */
  expiresIn: number;
  interval: number;
}

/** The company's GitHub App as the gateway uses it. Throws `GitHubUnreachable` when GitHub cannot be asked. */
export interface GitHubSignIn {
  authorizeUrl(request: { state: string; codeChallenge: string; redirectUri: string }): string;
  exchangeCode(code: string, codeVerifier: string, redirectUri: string): Promise<GrantAnswer>;
  deviceCode(): Promise<DeviceCode>;
  pollDevice(deviceCode: string): Promise<GrantAnswer>;
  refresh(refreshToken: string): Promise<GrantAnswer>;
  /** Who the token is, and whether they have a Copilot seat. */
  profile(accessToken: string): Promise<GitHubProfile>;
}

export class GitHubUnreachable extends Error {
  override readonly name = "GitHubUnreachable";
}

/** The person's grant no longer works: they must sign in again. `message` says why, and names no secret. */
export class SignInEnded extends Error {
  override readonly name: string = "SignInEnded";
}

/** An admin disabled the person: their keys stop, and signing in again does not help until an admin enables them. */
export class PersonDisabled extends SignInEnded {
  override readonly name = "PersonDisabled";
  constructor() {
    super("An administrator disabled your access to this gateway: your keys work again only once an administrator enables you.");
  }
}

/** Who a person is and where their sign-in stands, as the API shows them (their own page and the admins'). */
export function personFields(person: Person) {
  return {
    login: person.login,
    github_id: person.githubId,
    seat: person.seat,
    /** `disabled`: an admin stopped all their keys. */
    status: person.status,
    /** `refused`: GitHub refused to renew their sign-in; `token_problem` says why. */
    token_state: person.tokenState,
    token_problem: person.tokenProblem,
  };
}

export function newPersonId(): string {
  return `person_${Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** What a sealed token is bound to: the person's GitHub id and which token it is. */
export const sealContext = (githubId: number, which: "access" | "refresh") => `github:${githubId}:${which}`;
