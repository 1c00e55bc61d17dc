// A text/event-stream Response built on a Web ReadableStream. Hono's streamSSE
// is not used: it commits the 200 before the turn is known to be accepted, and
// its onError writes plain text that breaks every OpenAI parser.

export interface SseOptions {
  /** Comment frame written when nothing else was written for keepAliveMs. */
  keepAliveFrame: string;
  keepAliveMs: number;
  headers?: Record<string, string>;
  /** Called once when the client goes away before the stream ended. */
  onCancel: () => void;
  /** Called once when the stream is over, however it ended. */
  onClose: () => void;
}

export const SSE_HEADERS: Record<string, string> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  // Tells nginx-style proxies not to buffer the stream.
  "x-accel-buffering": "no",
};

/** Streams the frames as they come; ends the response when the iterable ends or throws. */
export function sseResponse(frames: AsyncIterable<string>, options: SseOptions): Response {
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastWrite = Date.now();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    options.onClose();
  };
  const iterator = frames[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        if (closed || !text) return;
        lastWrite = Date.now();
        controller.enqueue(encoder.encode(text));
      };
      timer = setInterval(() => {
        if (Date.now() - lastWrite >= options.keepAliveMs) write(options.keepAliveFrame);
      }, Math.max(10, Math.min(options.keepAliveMs, 1_000)));
      void (async () => {
        try {
          for (let next = await iterator.next(); !next.done && !closed; next = await iterator.next()) write(next.value);
        } catch {
          // The frames carry their own error frame; a throw here means the
          // producer broke, and ending the stream is all that is left to do.
        } finally {
          if (!closed) {
            close();
            controller.close();
          }
        }
      })();
    },
    cancel() {
      if (closed) return;
      close();
      options.onCancel();
      void iterator.return?.();
    },
  });
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...options.headers } });
}
