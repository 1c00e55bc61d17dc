// Gateway-side `stop`: the Copilot runtime has no stop parameter, so text is
// cut before the first match. Text that could still become a match is held
// back until the next delta decides it, so a stop word split across deltas is
// never leaked to the client.

export class StopSequenceMatcher {
  private held = "";
  private readonly stops: string[];

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((stop) => stop.length > 0);
  }

  get active(): boolean {
    return this.stops.length > 0;
  }

  /** Returns the text that is safe to emit now, and whether a stop sequence was reached. */
  push(delta: string): { text: string; stopped: boolean } {
    const text = this.held + delta;
    let cut = -1;
    for (const stop of this.stops) {
      const at = text.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.held = "";
      return { text: text.slice(0, cut), stopped: true };
    }
    const hold = this.longestPendingPrefix(text);
    this.held = text.slice(text.length - hold);
    return { text: text.slice(0, text.length - hold), stopped: false };
  }

  /** The held-back text, once the model has finished without a match. */
  flush(): string {
    const rest = this.held;
    this.held = "";
    return rest;
  }

  private longestPendingPrefix(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > longest; length--) {
        if (text.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
