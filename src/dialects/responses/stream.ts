// TurnEvents → Responses API SSE frames (`event: <type>\ndata: <one-line JSON
// with the same "type">\n\n`), numbered by `sequence_number`. Which events, in
// which order, and the response they build: output-items.ts.
import type { TurnEvent } from "../../core/turn.js";
import { OutputSequencer } from "./output-items.js";
import type { ResponseMeta, ResponseObject } from "./response-object.js";
import type { ResponseStreamEvent } from "./stream-events.js";

/**
 * Stateful and synchronous; every method returns zero or more complete SSE
 * frames ("" when there is nothing to write), so a write never splits a frame.
 * Every frame carries a `sequence_number`, from 0, one more each time.
 *
 * Contract for the caller:
 * - Write `start()` right after the commit point: it flushes the SSE headers
 *   (B.1 #6) and gives openai-node the `response.created` its accumulator
 *   needs first. (`encode` and `end` emit it first if `start` was skipped.)
 * - Pass every TurnEvent of the turn, in order, to `encode`. A `finish` ends
 *   the response with `response.completed` (or `response.incomplete` for
 *   `length`/`content_filter`); an `error` ends it with `response.failed`.
 *   `settled` turns true with either, and `response()` is then final.
 * - When the events end, write `end()` and close. It is "" after a settled
 *   response; if the events stopped with neither, it is a `response.failed`
 *   with `upstream_incomplete` instead of a response passed off as complete.
 * - Events after the response settled are ignored.
 * - Keep-alives between frames are `keepAliveFrame()`.
 */
export class ResponsesStreamEncoder {
  private readonly items: OutputSequencer;
  private started = false;
  private sequence = 0;

  constructor(meta: ResponseMeta) {
    this.items = new OutputSequencer(meta);
  }

  start(): string {
    if (this.started) return "";
    this.started = true;
    const response = this.items.response();
    return this.write([
      { type: "response.created", response },
      { type: "response.in_progress", response },
    ]);
  }

  encode(event: TurnEvent): string {
    if (this.items.settled) return "";
    // Before the event: response.created shows the response as it began.
    const opening = this.start();
    return opening + this.write(this.items.push(event));
  }

  end(): string {
    if (this.items.settled) return "";
    const opening = this.start();
    return opening + this.write(this.items.end());
  }

  /** The response as it stands: in progress, or final once `settled`. */
  response(): ResponseObject {
    return this.items.response();
  }

  get settled(): boolean {
    return this.items.settled;
  }

  private write(events: ResponseStreamEvent[]): string {
    return events.map(({ type, ...fields }) => frame(type, { type, sequence_number: this.sequence++, ...fields })).join("");
  }
}

/** An SSE comment, skipped by openai-node, Codex's eventsource parser and Vercel alike (B.1 #4). */
export function keepAliveFrame(): string {
  return ": keep-alive\n\n";
}

/** JSON.stringify never emits a raw newline, so each frame is one `data:` line. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
