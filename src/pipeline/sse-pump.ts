// Streams an answer's SSE frames into a FrameSink (frame-sink.ts): a Web
// ReadableStream, or the connection itself where the server offers it. Hono's
// streamSSE is not used: it commits the 200 before the turn is known to be
// accepted, and its onError writes plain text that breaks every OpenAI parser.
//
// Frames are read from the turn only as fast as the client takes them, so a
// client that stops reading holds back its turn's events (in the turn's
// queue) rather than an unbounded pile of encoded frames; and once it has
// taken nothing for `stallMs` it is treated as gone, so what it held is let go.
import type { FrameSink } from "./frame-sink.js";

export interface SseOptions {
  /** Comment frame written when nothing else was written for keepAliveMs. */
  keepAliveFrame: string;
  keepAliveMs: number;
  /** How long frames may wait for a client that takes none before the stream is given up. */
  stallMs: number;
  /** Called once when the client goes away before the stream ended. */
  onCancel: () => void;
  /** Called once, instead of onCancel, when the client stopped taking frames for stallMs; it should drop the connection. */
  onStall: () => void;
  /** Called once when the stream is over, however it ended. */
  onClose: () => void;
}

export const SSE_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream; charset=utf-8",
  // A stream carries prompts' answers: nothing may keep it.
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  // Tells nginx-style proxies not to buffer the stream.
  "x-accel-buffering": "no",
};

/** Writes `opening` at once, then each frame as the client takes them; ends the sink when the frames end or throw. */
export function pumpSse(opening: string, frames: AsyncIterator<string>, sink: FrameSink, options: SseOptions): void {
  let lastWrite = Date.now();
  /** When the client last fell behind (a write the sink could not take in full), until it caught up. */
  let behindSince: number | undefined;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    options.onClose();
  };
  const giveUp = (notify: () => void) => {
    if (closed) return;
    close();
    notify();
    void frames.return?.();
  };
  const write = (frame: string) => {
    lastWrite = Date.now();
    if (!sink.write(frame)) behindSince ??= lastWrite;
  };
  // The opening frames go out before the timers are set up: they are the first token.
  if (opening) write(opening);
  const timer = setInterval(
    () => {
      const now = Date.now();
      if (behindSince !== undefined) {
        if (now - behindSince >= options.stallMs) giveUp(options.onStall);
        return;
      }
      if (now - lastWrite >= options.keepAliveMs) write(options.keepAliveFrame);
    },
    Math.max(10, Math.min(options.keepAliveMs, options.stallMs / 4, 1_000)),
  );
  sink.onGone(() => giveUp(options.onCancel));
  void (async () => {
    try {
      for (;;) {
        if (behindSince !== undefined) {
          await sink.drained();
          if (closed) return;
          behindSince = undefined;
        }
        const next = await frames.next();
        if (closed) return;
        if (next.done) break;
        // An empty frame writes nothing.
        if (next.value) write(next.value);
      }
    } catch {
      // The frames carry their own error frame; a throw here means the
      // producer broke, and ending the stream is all that is left to do.
    }
    if (closed) return;
    close();
    sink.end();
  })();
}
