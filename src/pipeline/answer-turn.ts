// Answers one HTTP request with one turn, the same way for every dialect:
// start it (on the conversation's session), then either buffer its events
// into one JSON body or stream them as SSE after the commit hold. The
// dialect supplies only how events become bytes.
//
// The request counts as in flight until its last byte; it is aborted when
// the client goes away or the process shuts down.
import { estimatedTokens } from "../access/budget-holds.js";
import type { Context } from "hono";
import { ANONYMOUS } from "../access/caller.js";
import type { AdmittedTurn, TurnAdmission } from "./admission.js";
import type { TurnEvent, TurnRequest } from "../core/turn.js";
import { asGatewayError, GatewayError } from "../core/gateway-error.js";
import { holdForCommit } from "./commit-hold.js";
import type { ConversationService } from "../sessions/conversation-service.js";
import type { AppEnv } from "./app-env.js";
import type { InflightRequests } from "./inflight.js";
import type { Logger } from "../core/logger.js";
import { dropConnection } from "./drop-connection.js";
import { readableStreamSink } from "./frame-sink.js";
import { pumpSse, SSE_HEADERS } from "./sse-pump.js";

/** A dialect's stream encoder: every call returns complete SSE frames (or ""); `encode` may first finish some work of its own (keeping a response). */
export interface StreamEncoder {
  start(): string;
  encode(event: TurnEvent): string | Promise<string>;
  end(): string;
}

const DEFAULT_CLIENT_STALL_MS = 60_000;

/** What every turn-answering route is given by the app. */
export interface TurnRouteDeps {
  turns: ConversationService;
  inflight: InflightRequests;
  keepAliveMs: number;
  /** A stream whose client took nothing for this long is cancelled at the model and its connection dropped (default 60 s). */
  clientStallMs?: number;
  /** Where a stalled client is noted. */
  logger?: Logger;
  /**
   * Whether middleware adds headers of its own to answers (CORS does; the
   * request id is added here): a stream written straight to the connection
   * then copies them into its head, which costs ~0.08 ms of its first token.
   */
  middlewareHeaders?: boolean;
  /** Limits, budgets and usage records; without it turns are neither limited nor recorded. */
  admission?: TurnAdmission;
}

/** What a dialect supplies for one request. */
export interface TurnAnswer<Body> {
  /** Which API answered, as usage records name it. */
  dialect: "chat_completions" | "responses" | "messages";
  request: TurnRequest;
  stream: boolean;
  keepAliveFrame: string;
  /** Buffers the events into the non-streaming body. */
  collect: (events: AsyncIterable<TurnEvent>) => Promise<{ body: Body; usageReported: boolean }>;
  createEncoder: () => StreamEncoder;
  /** Headers a streamed answer carries besides the common ones. */
  streamHeaders?: Record<string, string>;
}

export async function answerTurn<Body>(c: Context<AppEnv>, deps: TurnRouteDeps, answer: TurnAnswer<Body>): Promise<Response> {
  const abort = new AbortController();
  // The client's leaving is watched from the next timer on: making the
  // request's signal costs @hono/node-server ~0.07 ms, which would delay the
  // send on the fast path (microtasks only), while any wait (a queue, a
  // session opening) is watched within a millisecond. A client gone before
  // then is not missed: its request's signal is made already aborted.
  const watchClient = setTimeout(() => {
    const left = c.req.raw.signal;
    if (left.aborted) abort.abort();
    else left.addEventListener("abort", () => abort.abort(), { once: true });
  }, 0);
  let sessionId: string | undefined;
  const done = deps.inflight.begin(
    (reason) => abort.abort(reason),
    () => sessionId,
  );
  let admitted: AdmittedTurn | undefined;
  const finish = (ending: { cancelled: boolean; error?: GatewayError }) => {
    clearTimeout(watchClient);
    admitted?.close(ending);
    done();
  };
  try {
    const caller = c.get("caller") ?? ANONYMOUS;
    // Resolved once: admission needs it, and the turn goes on the same model.
    let servedModel: string | undefined;
    if (deps.admission) {
      servedModel = await deps.turns.models.resolveModel(answer.request.model, caller);
      admitted = await deps.admission.admit(
        { caller, model: servedModel, dialect: answer.dialect, requestId: c.get("requestId"), method: c.req.method, path: c.req.path, estimatedTokens: estimatedTokens(answer.request) },
        abort.signal,
      );
      // From here the request's log line is the turn's, written when its answer is over.
      c.set("turn", { dialect: answer.dialect, model: servedModel });
    }
    // The caller partitions sessions: they are never shared across callers.
    const audited = admitted;
    const started = await deps.turns.start(answer.request, abort.signal, caller, servedModel, audited ? { onServerToolCall: (call) => audited.toolCall(call) } : {});
    sessionId = started.sessionId;
    admitted?.started(started.origin);
    const turn = admitted ? admitted.watch(started) : started;
    const headers = { "x-request-id": c.get("requestId"), "x-copilot-session-id": started.sessionId, "x-copilot-session-origin": started.origin };
    if (!answer.stream) {
      const { body, usageReported } = await answer.collect(turn);
      finish({ cancelled: false });
      return new Response(JSON.stringify(body), {
        status: 200,
        headers: { "content-type": "application/json", ...headers, ...(!usageReported ? { "x-gateway-usage-estimated": "true" } : {}) },
      });
    }
    // What can be built before the first event is, so that only the first
    // frame's own work is left once it comes; the stream is
    // committed only if the turn did not fail first.
    const encoder = answer.createEncoder();
    const direct = c.env?.directResponses;
    const web = direct ? undefined : readableStreamSink();
    const { first, rest } = await holdForCommit(turn);
    // Failed before anything was sent: answer with a real status (a 429 with Retry-After), not a 200 stream.
    if (first?.type === "error") throw first.error;
    // The opening frames and the first event go out in one write.
    const opening = encoder.start() + (first ? await encoder.encode(first) : "");
    const streamHeaders = { ...SSE_HEADERS, ...headers, ...answer.streamHeaders };
    const sink = web?.sink ?? direct!.start(200, deps.middlewareHeaders ? { ...headersFromMiddleware(c), ...streamHeaders } : streamHeaders);
    let complete = false;
    async function* frames(): AsyncGenerator<string> {
      for (let next = await rest.next(); !next.done; next = await rest.next()) yield await encoder.encode(next.value as TurnEvent);
      complete = true;
      yield encoder.end();
    }
    pumpSse(opening, frames(), sink, {
      keepAliveFrame: answer.keepAliveFrame,
      keepAliveMs: deps.keepAliveMs,
      stallMs: deps.clientStallMs ?? DEFAULT_CLIENT_STALL_MS,
      onCancel: () => abort.abort(),
      onStall: () => {
        deps.logger?.warn("the client stopped reading its stream; the turn was cancelled and the connection closed", { id: c.get("requestId") });
        abort.abort();
        dropConnection(c);
      },
      onClose: () => finish({ cancelled: !complete }),
    });
    // A direct answer is on its way already; this Response only tells the middleware how it went.
    return web ? new Response(web.body, { status: 200, headers: streamHeaders }) : new Response(null, { status: 200 });
  } catch (error) {
    // The client leaving (a plain abort) makes whatever failed after it a cancellation, not an error.
    const clientLeft = abort.signal.aborted && !(abort.signal.reason instanceof GatewayError);
    abort.abort();
    if (clientLeft) finish({ cancelled: true });
    else finish({ cancelled: false, error: error instanceof GatewayError ? error : asGatewayError(error) });
    throw error;
  }
}

/**
 * Headers the middleware set for the answer (CORS, the request id). Hono adds
 * them to the Response a handler returns; a direct answer's head is written
 * before that, so it takes them here.
 */
function headersFromMiddleware(c: Context<AppEnv>): Record<string, string> {
  return Object.fromEntries(c.res.headers);
}
