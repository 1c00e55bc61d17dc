// TurnEvents → one buffered `response` object. It runs the very events through
// the sequencer the stream is written from (output-items.ts) and keeps the
// object `response.completed` would carry, so the JSON body and the stream
// cannot disagree (parity by construction, DESIGN.md).
import type { TurnEvent } from "../../core/turn.js";
import { incompleteTurnError } from "../shared/incomplete-turn.js";
import { OutputSequencer } from "./output-items.js";
import type { ResponseMeta, ResponseObject } from "./response-object.js";

export interface CollectedResponse {
  body: ResponseObject;
  /**
   * False when the runtime reported no usage and `body.usage` is the gateway's
   * estimate (or zeros): the route says so with `x-gateway-usage-estimated: true` (B.4 #26).
   */
  usageReported: boolean;
}

/**
 * Drains `events` to the end (so the turn is never cut short by us) and builds
 * the response. Throws the turn's `GatewayError` if it reported one — a JSON
 * client gets a real HTTP status, not a 200 with `status: "failed"` — and a
 * 502 `upstream_incomplete` if the events ended without a `finish`.
 */
export async function collectResponse(events: AsyncIterable<TurnEvent>, meta: ResponseMeta): Promise<CollectedResponse> {
  const items = new OutputSequencer(meta);
  let usageReported = false;
  for await (const event of events) {
    if (event.type === "error") throw event.error;
    if (event.type === "usage" && !items.settled) usageReported = !event.usage.estimated;
    items.push(event);
  }
  if (!items.settled) throw incompleteTurnError();
  return { body: items.response(), usageReported };
}
