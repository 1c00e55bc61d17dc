// How many turns run at once: a global cap with a short bounded queue, and a
// per-caller cap. When a slot frees, the waiting caller with the fewest turns
// in flight goes next (between equals, the one served least recently), and a full queue makes room for a newcomer by turning
// away the newest waiter of the caller holding the most — so one caller
// flooding the gateway cannot keep another waiting longer than one slot takes to free.
import { GatewayError } from "../core/gateway-error.js";

export interface TurnSlotsOptions {
  /** Turns in flight at most, across callers. */
  maxTurns: number;
  /** Turns that may wait for a slot; beyond it, a 503. */
  maxQueue: number;
  /** How long a turn may wait before it is a 503. */
  maxWaitMs: number;
}

interface Waiter {
  caller: string;
  admit: () => void;
  refuse: (error: GatewayError) => void;
}

export class TurnSlots {
  private running = 0;
  /** Turns in flight or waiting, per caller. */
  private readonly held = new Map<string, number>();
  private readonly queue: Waiter[] = [];
  /** When each caller holding turns was last given a slot (a sequence number). */
  private readonly lastServed = new Map<string, number>();
  private served = 0;

  constructor(private readonly options: TurnSlotsOptions) {}

  get inFlight(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /**
   * A slot for one turn of `caller`, waiting if the gateway is full; throws a
   * 429 past the caller's own cap, a 503 when the queue is full or the wait too
   * long. Call the returned release exactly once.
   */
  async acquire(caller: string, maxParallel: number | null, signal: AbortSignal): Promise<() => void> {
    const held = this.held.get(caller) ?? 0;
    if (maxParallel !== null && held >= maxParallel) throw tooManyParallel(maxParallel);
    if (this.running < this.options.maxTurns && this.queue.length === 0) {
      this.take(caller);
      return this.releaser(caller);
    }
    if (this.queue.length >= this.options.maxQueue && !this.makeRoomFor(caller)) throw busy(this.options);
    this.hold(caller, 1);
    await this.wait(caller, signal);
    return this.releaser(caller);
  }

  private wait(caller: string, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
      };
      const refuse = (error: unknown) => {
        leave();
        this.hold(caller, -1);
        reject(error);
      };
      const waiter: Waiter = {
        caller,
        admit: () => {
          leave();
          this.running++;
          this.lastServed.set(caller, ++this.served);
          resolve();
        },
        refuse,
      };
      const onAbort = () => refuse(signal.reason ?? new Error("aborted"));
      const timer = setTimeout(() => refuse(busy(this.options)), this.options.maxWaitMs);
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private take(caller: string): void {
    this.running++;
    this.hold(caller, 1);
    this.lastServed.set(caller, ++this.served);
  }

  private releaser(caller: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.hold(caller, -1);
      this.admitNext();
    };
  }

  private admitNext(): void {
    while (this.running < this.options.maxTurns && this.queue.length > 0) {
      let next = this.queue[0]!;
      for (const waiter of this.queue) if (this.goesBefore(waiter.caller, next.caller)) next = waiter;
      next.admit();
    }
  }

  /** Turns the newest waiter of the caller holding the most away, if that caller holds more than `caller` would. */
  private makeRoomFor(caller: string): boolean {
    let heaviest: Waiter | undefined;
    for (const waiter of this.queue) {
      if (heaviest === undefined || (this.held.get(waiter.caller) ?? 0) >= (this.held.get(heaviest.caller) ?? 0)) heaviest = waiter;
    }
    if (heaviest === undefined || (this.held.get(heaviest.caller) ?? 0) <= (this.held.get(caller) ?? 0) + 1) return false;
    heaviest.refuse(busy(this.options));
    return true;
  }

  private goesBefore(caller: string, other: string): boolean {
    const difference = this.inFlightOf(caller) - this.inFlightOf(other);
    if (difference !== 0) return difference < 0;
    return (this.lastServed.get(caller) ?? 0) < (this.lastServed.get(other) ?? 0);
  }

  private inFlightOf(caller: string): number {
    const queued = this.queue.reduce((count, waiter) => count + (waiter.caller === caller ? 1 : 0), 0);
    return (this.held.get(caller) ?? 0) - queued;
  }

  private hold(caller: string, change: number): void {
    const count = (this.held.get(caller) ?? 0) + change;
    if (count > 0) {
      this.held.set(caller, count);
    } else {
      this.held.delete(caller);
      this.lastServed.delete(caller);
    }
  }
}

function tooManyParallel(maxParallel: number): GatewayError {
  return new GatewayError({
    status: 429,
    code: "too_many_parallel_requests",
    message: `This API key may have ${maxParallel} request${maxParallel === 1 ? "" : "s"} in progress at once; wait for one to finish.`,
    retryAfterSeconds: 1,
  });
}

function busy(options: TurnSlotsOptions): GatewayError {
  return new GatewayError({
    status: 503,
    code: "gateway_busy",
    message: `The gateway is answering its limit of ${options.maxTurns} requests at once and its queue is full; retry shortly.`,
    retryAfterSeconds: Math.max(1, Math.ceil(options.maxWaitMs / 1000 / 4)),
  });
}
