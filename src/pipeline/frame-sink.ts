// Where a streamed answer's frames go. Any runtime can answer with a Web
// ReadableStream; a server adapter that owns the connection (on Node:
// src/node/direct-responses.ts) may instead offer `DirectResponses`, which
// write to the socket itself. That skips the Web stream between the encoder
// and the socket: about 0.35 ms of every first token at concurrency 1
// (at concurrency 1), most of it the stream's and the adapter's promise hops.

/** Frames on their way to one client. */
export interface FrameSink {
  /** Queues a frame; false once the client has fallen behind (wait for `drained` before writing more). */
  write(frame: string): boolean;
  /** Resolves once the client has taken what was queued, or the sink is over. */
  drained(): Promise<void>;
  /** Ends the stream, after `last` when given. */
  end(last?: string): void;
  /** `listener` is called once if the client goes away before the stream ended. */
  onGone(listener: () => void): void;
}

/** What a server adapter offers when it can write a response straight to the connection. */
export interface DirectResponses {
  /** Sends the status line and headers now; the Response the handler returns afterwards is not sent. */
  start(status: number, headers: Record<string, string>): FrameSink;
}

/**
 * A sink whose frames are read from `body`, the answer of a Web Response.
 * Up to 64 KiB waits for the client, as a socket's buffers would hold it: a
 * short answer completes even if its client reads it late.
 */
export function readableStreamSink(): { sink: FrameSink; body: ReadableStream<Uint8Array> } {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let over = false;
  let whenDrained: (() => void) | undefined;
  let gone: (() => void) | undefined;
  const wake = () => {
    const resolve = whenDrained;
    whenDrained = undefined;
    resolve?.();
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start: (streamController) => void (controller = streamController),
      pull: wake,
      cancel() {
        if (over) return;
        over = true;
        wake();
        gone?.();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
  const hasRoom = () => (controller.desiredSize ?? 1) > 0;
  const sink: FrameSink = {
    write(frame) {
      if (over) return true;
      controller.enqueue(encoder.encode(frame));
      return hasRoom();
    },
    drained: () => (over || hasRoom() ? Promise.resolve() : new Promise((resolve) => (whenDrained = resolve))),
    end(last) {
      if (over) return;
      over = true;
      if (last) controller.enqueue(encoder.encode(last));
      controller.close();
      wake();
    },
    onGone: (listener) => void (gone = listener),
  };
  return { sink, body };
}
