// The commit point of a streamed response. Once a 200 and SSE headers are
// sent, a failure can only be an in-stream error frame; before that it can be
// a proper HTTP status that every client's retry logic understands (a 429
// with Retry-After, a 400 for an oversized prompt). So the first event is
// awaited for a short while: failures that come fast get a real status, and
// a slow model still gets its headers promptly (contract B.1 #6).
import type { TurnEvent } from "../core/turn.js";

export const COMMIT_HOLD_MS = 750;

export interface HeldTurn {
  /** The first event, or undefined when the hold ran out (or the turn ended with none). */
  first: TurnEvent | undefined;
  /** The remaining events, starting after `first`. */
  rest: AsyncIterator<TurnEvent>;
}

export async function holdForCommit(events: AsyncIterable<TurnEvent>, holdMs = COMMIT_HOLD_MS): Promise<HeldTurn> {
  const iterator = events[Symbol.asyncIterator]();
  const firstResult = iterator.next();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"expired">((resolve) => (timer = setTimeout(() => resolve("expired"), holdMs)));
  const winner = await Promise.race([firstResult, expired]);
  clearTimeout(timer);
  if (winner === "expired") {
    // The first event is still owed: hand on an iterator that yields it first.
    let pendingFirst: Promise<IteratorResult<TurnEvent>> | undefined = firstResult;
    const rest: AsyncIterator<TurnEvent> = {
      next: () => {
        const next = pendingFirst ?? iterator.next();
        pendingFirst = undefined;
        return next;
      },
      return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ value: undefined, done: true }),
    };
    return { first: undefined, rest };
  }
  return { first: winner.done ? undefined : winner.value, rest: iterator };
}
