// Slots for opening sessions, a few at a time, and a line for the rest. The runtime opens sessions one
// after another, so beyond a few at once they only queue inside it, where a
// request whose client has left can no longer be taken back: 1,000 aborted
// streams went on opening (and then closing) sessions for tens of seconds
// after their clients were gone, and the runtime grew by ~500 MB. Here they
// wait instead, and one whose client leaves drops out without costing the
// runtime anything.

export class SessionOpenSlots {
  private opening = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly atOnce: number) {}

  /** A turn to open a session; rejects when `signal` aborts first. Call the returned release exactly once. */
  async enter(signal: AbortSignal | undefined): Promise<() => void> {
    if (signal?.aborted) throw abortError(signal);
    if (this.opening >= this.atOnce) await this.wait(signal);
    else this.opening++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; only without one is it given back.
      if (next) next();
      else this.opening--;
    };
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const admit = () => {
        signal?.removeEventListener("abort", leave);
        resolve();
      };
      const leave = () => {
        const index = this.waiting.indexOf(admit);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(abortError(signal!));
      };
      signal?.addEventListener("abort", leave, { once: true });
      this.waiting.push(admit);
    });
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("the request was abandoned before its session opened");
}
