// Holds one kind of call to the Copilot runtime — createSession, resumeSession,
// a session's send or disconnect — as a runtime that stops answering just
// those, and goes on answering everything else (its pings too, so its
// heartbeat sees nothing wrong). Its answers are held until released (then
// they come late) or for good. Patches the SDK's class, so it holds the calls
// of every gateway of the test file.
type Method = (...args: never[]) => Promise<unknown>;

export interface HeldCalls {
  /** Calls held so far. */
  readonly count: number;
  /** Calls made from now on are answered as usual; those held stay held. */
  letThrough(): void;
  /** Hands the held calls their answers (late), and lets later ones through. */
  release(): void;
}

/**
 * `reachRuntime` false: a held call does not reach the runtime at all until it
 * is released (a send the runtime would otherwise act on: its turn's events
 * would flow). By default the runtime does the work at once, and only its
 * answer is held (a session created, its caller not told).
 */
export function holdCalls<Prototype extends object>(prototype: Prototype, method: keyof Prototype & string, { reachRuntime = true } = {}): HeldCalls {
  const original = prototype[method] as Method;
  const held: Array<() => void> = [];
  (prototype as Record<string, Method>)[method] = function (this: unknown, ...args: never[]) {
    const made = reachRuntime ? original.apply(this, args) : undefined;
    // Its failure is its caller's, once released.
    made?.catch(() => undefined);
    return new Promise((resolve, reject) => held.push(() => void (made ?? original.apply(this, args)).then(resolve, reject)));
  };
  const letThrough = () => {
    (prototype as Record<string, Method>)[method] = original;
  };
  return {
    get count() {
      return held.length;
    },
    letThrough,
    release() {
      letThrough();
      for (const answer of held.splice(0)) answer();
    },
  };
}
