// A text/event-stream Response built on a Web ReadableStream. Hono's streamSSE
// is not used: it commits the 200 before the turn is known to be accepted, and
// its onError writes plain text that breaks every OpenAI parser.
//
// Frames are pulled only as fast as the client takes them (64 KiB may wait),
// so a client that stops reading holds back its turn's events (in the turn's
// queue) rather than an unbounded pile of encoded frames; and once it has
// taken nothing for `stallMs` it is treated as gone, so what it held is let go.

export interface SseOptions {
  /** Comment frame written when nothing else was written for keepAliveMs. */
  keepAliveFrame: string;
  keepAliveMs: number;
  /** How long frames may wait for a client that takes none before the stream is given up. */
  stallMs: number;
  headers?: Record<string, string>;
  /** Called once when the client goes away before the stream ended. */
  onCancel: () => void;
  /** Called once, instead of onCancel, when the client stopped taking frames for stallMs; it should drop the connection. */
  onStall: () => void;
  /** Called once when the stream is over, however it ended. */
  onClose: () => void;
}

export const SSE_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  // Tells nginx-style proxies not to buffer the stream.
  "x-accel-buffering": "no",
};

/** Streams the frames as the client takes them; ends the response when the iterable ends or throws. */
export function sseResponse(frames: AsyncIterable<string>, options: SseOptions): Response {
  const encoder = new TextEncoder();
  const iterator = frames[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastWrite = Date.now();
  let lastTaken = Date.now();
  let waitingSince: number | undefined;
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
    void iterator.return?.();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => {
        const now = Date.now();
        // A frame is queued that the client has not taken: is it still taking any?
        if ((controller.desiredSize ?? 1) <= 0) {
          waitingSince ??= now;
          if (now - Math.max(waitingSince, lastTaken) >= options.stallMs) giveUp(options.onStall);
          return;
        }
        waitingSince = undefined;
        if (now - lastWrite >= options.keepAliveMs) {
          lastWrite = now;
          controller.enqueue(encoder.encode(options.keepAliveFrame));
        }
      }, Math.max(10, Math.min(options.keepAliveMs, options.stallMs / 4, 1_000)));
    },
    async pull(controller) {
      lastTaken = Date.now();
      try {
        // An empty frame enqueues nothing, and a pull that enqueues nothing is not called again: read on.
        for (;;) {
          const next = await iterator.next();
          if (closed) return;
          if (next.done) {
            close();
            controller.close();
            return;
          }
          if (!next.value) continue;
          lastWrite = Date.now();
          controller.enqueue(encoder.encode(next.value));
          return;
        }
      } catch {
        // The frames carry their own error frame; a throw here means the
        // producer broke, and ending the stream is all that is left to do.
        if (closed) return;
        close();
        controller.close();
      }
    },
    cancel() {
      giveUp(options.onCancel);
    },
    // Up to 64 KiB waits for the client, as a socket's buffers would hold it:
    // a short answer completes even if its client reads it late.
  }, new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }));
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...options.headers } });
}
