// Rewinding a session in place. `history.truncate` removes the event it is
// given and every later one, from the runtime's memory and from the session's
// files on disk, and the model's next request carries exactly the history
// before it: text, tool calls and their results, reasoning; the session's own
// usage figures restart with it (tests/integration/session-rewind.test.ts,
// SDK 1.0.14). Two things the caller must know: the runtime reads the kept
// history back as it reads a resumed session's (tool messages gain the
// private `__copilotMessageSource`, which only the BYOK relay removes), and it
// does not refuse a session whose turn is running (it answers at once and cuts
// that turn's history), so only a session no turn holds may be rewound. It
// costs the runtime a few milliseconds where opening a session costs ~25 ms
// of its CPU (tests/bench/rewinds.ts).
import type { CopilotSession } from "@github/copilot-sdk";
import { withTimeout } from "./supervised-client.js";

/** A runtime that stopped answering never answers this either. */
const REWIND_TIMEOUT_MS = 5_000;

/**
 * Removes `eventId` (a `user.message`) and everything after it from the
 * session. Rejects when the runtime removed nothing (no such event: the
 * session is not what its caller thinks) or did not answer in time; the
 * caller must then stop using the session.
 */
export async function rewindSession(session: CopilotSession, eventId: string): Promise<void> {
  const { eventsRemoved } = await withTimeout(session.rpc.history.truncate({ eventId }), REWIND_TIMEOUT_MS);
  if (!(eventsRemoved > 0)) throw new Error(`the runtime rewound nothing of session ${session.sessionId}`);
}
