// How many sessions the gateway keeps live by default: as many as the
// embedded runtimes' memory limit holds. A live session holds its runtime's
// memory (measured on the runtime shipped now, BYOK, one short turn each: 30
// live sessions took one runtime from 27 to 1,828 MB, ~60 MB apiece); a
// suspended or closed one gives its share back to be reused (30 conversations
// suspended as they ended left it at 230 MB; 30 more live after 30 suspended
// added 270 MB, not 1,700). A runtime past GATEWAY_RUNTIME_MAX_MEMORY_MB is
// replaced, its conversations seeded on the next one, so caps above what the
// limit holds would only buy that churn (and, in a container, its OOM kill).

/** A live session's share of its runtime's memory, with room above the ~60 MB measured. */
export const LIVE_SESSION_MB = 64;

/** What a runtime holds with no session live: its start (~30 MB) grown by its first turns' pools (~230 MB). */
export const RUNTIME_BASE_MB = 256;

/** The defaults when no memory limit bounds the runtimes (an external runtime, or a limit of 0). */
export const UNBOUNDED_SESSION_DEFAULTS = { live: 128, recycled: 64 } as const;

/** The most recycled sessions kept by default: a quarter of the room, as ended conversations leave room for going ones. */
const RECYCLED_SHARE = 4;

export interface SessionDefaults {
  /** Idle conversations whose session stays live. */
  live: number;
  /** Sessions of ended conversations kept rewound for new ones. */
  recycled: number;
}

/**
 * Live and recycled sessions that, with `warm` sessions opened ahead, fit
 * `runtimes` embedded runtimes of `memoryLimitMb` each. undefined
 * `memoryLimitMb` (or 0): the runtimes' memory is not bounded by the gateway.
 */
export function sessionDefaults(memoryLimitMb: number | undefined, runtimes: number, warm: number): SessionDefaults {
  if (!memoryLimitMb) return { ...UNBOUNDED_SESSION_DEFAULTS };
  const room = Math.max(1, Math.floor((memoryLimitMb - RUNTIME_BASE_MB) / LIVE_SESSION_MB)) * runtimes;
  const recycled = Math.min(UNBOUNDED_SESSION_DEFAULTS.recycled, Math.floor(room / RECYCLED_SHARE));
  return { live: Math.max(1, room - recycled - warm), recycled };
}
