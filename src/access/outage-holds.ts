// Budget holds (budget-holds.ts) through an outage of the store and the
// spool. While the store answers it decides, as ever, under its lock; the
// key's records still waiting in the spool are spend it does not hold yet, so
// its limit is lowered by them. While the store is out the same decision is
// made here, on the key's spend from memory (outage-usage.ts) and the holds
// this process took during the outage: the last of a budget still goes one
// turn at a time, though turns other processes run meanwhile are not seen.
import { isStoreUnavailable } from "../core/store-outage.js";
import { holdDecision, type BudgetHold, type BudgetHolds, type BudgetLimit, type HoldOutcome, type Spend } from "./budget-holds.js";

/** What the usage store knows of a key's spend (outage-usage.ts). */
export interface KnownSpends {
  /** What the key's records waiting in the spool spent since `from`. */
  spooled(keyId: string, from: number): Spend;
  /** The key's spend since `from` as known without the store, spooled records included; throws `error` when none is known. */
  fromMemory(keyId: string, from: number, error: unknown): Spend;
  /** Reads the key's spend again in the background when the one known is a few seconds old. */
  keepFresh(keyId: string, from: number): void;
}

export interface OutageHoldsOptions {
  serveFromMemory: boolean;
  onAnswered?: (what: "budget") => void;
}

export class OutageTolerantHolds implements BudgetHolds {
  /** Holds taken here while the store was out, by id. */
  private readonly local = new Map<string, BudgetHold>();
  private readonly largest = new Map<string, number>();

  constructor(
    private readonly holds: BudgetHolds,
    private readonly spends: KnownSpends,
    private readonly options: OutageHoldsOptions,
  ) {}

  async reserve(hold: BudgetHold, limit: BudgetLimit, periodStart: number, now: number): Promise<HoldOutcome> {
    const spooled = this.spends.spooled(hold.keyId, periodStart);
    let outcome: HoldOutcome;
    try {
      outcome = await this.holds.reserve(hold, lowered(limit, spooled), periodStart, now);
    } catch (error) {
      if (!isStoreUnavailable(error) || !this.options.serveFromMemory) throw error;
      const decided = holdDecision(limit, this.spends.fromMemory(hold.keyId, periodStart, error), this.heldHere(hold.keyId, now), hold);
      if (decided.kind === "reserved") this.local.set(hold.id, hold);
      this.options.onAnswered?.("budget");
      return decided;
    }
    // What to answer from should the store go out before the key's next turn.
    this.spends.keepFresh(hold.keyId, periodStart);
    return outcome.kind === "spent" ? { kind: "spent", spent: { tokens: outcome.spent.tokens + spooled.tokens, nanoAiu: outcome.spent.nanoAiu + spooled.nanoAiu } } : outcome;
  }

  async release(id: string): Promise<void> {
    if (this.local.delete(id)) return;
    await this.holds.release(id);
  }

  async largestRecentNanoAiu(keyId: string, since: number): Promise<number> {
    try {
      const largest = await this.holds.largestRecentNanoAiu(keyId, since);
      this.largest.set(keyId, largest);
      return largest;
    } catch (error) {
      if (!isStoreUnavailable(error) || !this.options.serveFromMemory) throw error;
      return this.largest.get(keyId) ?? 0;
    }
  }

  private heldHere(keyId: string, now: number): Spend & { count: number } {
    const held = { tokens: 0, nanoAiu: 0, count: 0 };
    for (const hold of this.local.values()) {
      if (hold.keyId !== keyId || hold.expiresAt <= now) continue;
      held.tokens += hold.tokens;
      held.nanoAiu += hold.nanoAiu;
      held.count++;
    }
    return held;
  }
}

function lowered(limit: BudgetLimit, by: Spend): BudgetLimit {
  return { tokens: limit.tokens === null ? null : limit.tokens - by.tokens, nanoAiu: limit.nanoAiu === null ? null : limit.nanoAiu - by.nanoAiu };
}
