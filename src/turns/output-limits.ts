// What of the model's answer text the client may see: text stops before the
// first stop sequence (the runtime has none, stop-sequences.ts), and the
// output stops at the client's max output tokens (counted as characters, tool
// arguments included: the runtime has no such limit per request either).
// Text held back for a stop sequence is owed to the client when the answer
// ends without one: `flush` gives it, still within the budget.
import { StopSequenceMatcher } from "./stop-sequences.js";
import { CHARS_PER_TOKEN } from "./usage-tally.js";

export interface OutputLimitSettings {
  stop: readonly string[];
  maxOutputTokens?: number;
}

/** Text the client may be shown now; `end` says the answer must end here, and why. */
export interface ShownText {
  text: string;
  end?: "stop" | "length";
}

export class OutputLimits {
  private readonly stops: StopSequenceMatcher;
  private readonly budgetChars: number;
  private spentChars = 0;
  private shown = "";

  constructor(settings: OutputLimitSettings) {
    this.stops = new StopSequenceMatcher(settings.stop);
    this.budgetChars = settings.maxOutputTokens === undefined ? Infinity : settings.maxOutputTokens * CHARS_PER_TOKEN;
  }

  /**
   * One delta of the answer's text. A stop sequence ends the answer before
   * it ("stop"); the budget running out cuts the text and ends it ("length"),
   * which wins when both happen in one delta.
   */
  text(delta: string): ShownText {
    if (!this.stops.active) return this.withinBudget(delta);
    const { text, stopped } = this.stops.push(delta);
    // Text held back entirely is not yet output, so it cannot exhaust the budget.
    const shown = text ? this.withinBudget(text) : { text };
    return shown.end ? shown : { text: shown.text, ...(stopped ? { end: "stop" as const } : {}) };
  }

  /** Tool-call arguments count against the budget (and the usage estimate), though they are never cut. */
  countToolArguments(chars: number): void {
    this.spentChars += chars;
  }

  /**
   * At the end of the answer: the text held back for a stop sequence that
   * never came, cut to the budget, and whether the budget ran out (then the
   * answer ends for length, whatever ended it).
   */
  flush(): { text: string; exhausted: boolean } {
    const { text, end } = this.withinBudget(this.stops.flush());
    return { text, exhausted: end === "length" };
  }

  /** Characters of output so far, text and tool arguments: the usage estimate's measure. */
  get outputChars(): number {
    return this.spentChars;
  }

  /** All the text `text` and `flush` let through so far. */
  get shownText(): string {
    return this.shown;
  }

  private withinBudget(delta: string): ShownText {
    const room = this.budgetChars - this.spentChars;
    const text = delta.length > room ? delta.slice(0, Math.max(0, room)) : delta;
    this.spentChars += text.length;
    this.shown += text;
    return delta.length > room ? { text, end: "length" } : { text };
  }
}
