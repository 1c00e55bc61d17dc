// Slots for opening sessions, a few at a time, and a line for the rest. The runtime opens sessions one
// after another, so beyond a few at once they only queue inside it, where a
// request whose client has left can no longer be taken back: 1,000 aborted
// streams went on opening (and then closing) sessions for tens of seconds
// after their clients were gone, and the runtime grew by ~500 MB. Here they
// wait instead, and one whose client leaves drops out without costing the
// runtime anything. An open the runtime never answers must not hold its slot
// for good, though: a bench run found one unanswered for minutes (and a few
// more would have shut the line): past a bound it is given up.

export class SessionOpenSlots {
  private opening = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly atOnce: number) {}

  /**
   * Runs `open` once a slot is free; rejects when `signal` aborts first. An
   * open not answered within `giveUpMs` is given up: its slot goes to the
   * next in line and the call rejects; what it opens after all is handed to
   * `late`.
   */
  async run<T>(open: () => Promise<T>, { signal, giveUpMs, late }: { signal: AbortSignal | undefined; giveUpMs: number; late: (opened: T) => void }): Promise<T> {
    const release = await this.enter(signal);
    let opening: Promise<T>;
    try {
      opening = open();
    } catch (error) {
      release();
      throw error;
    }
    return new Promise<T>((resolve, reject) => {
      let givenUp = false;
      const timer = setTimeout(() => {
        givenUp = true;
        release();
        reject(new Error(`the runtime did not answer within ${giveUpMs} ms`));
      }, giveUpMs);
      opening.then(
        (opened) => {
          if (givenUp) return late(opened);
          clearTimeout(timer);
          release();
          resolve(opened);
        },
        (error: unknown) => {
          if (givenUp) return;
          clearTimeout(timer);
          release();
          reject(error);
        },
      );
    });
  }

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
