// Runs one exchange on a Copilot session and yields it as TurnEvents: it
// listens to the session, sends the turn's input, and lets the translator
// (turn-translator.ts) decide what the client sees and when the turn is over.
// Whatever ends it early also aborts the session, so the model call upstream
// is cancelled rather than left running.
import type { CopilotSession } from "@github/copilot-sdk";
import type { TurnEvent } from "../core/turn.js";
import { EventQueue } from "./event-queue.js";
import { endedNaturally, type PendingToolCall, type TurnOutcome } from "./turn-outcome.js";
import { TurnTranslator, type TranslationSettings } from "./turn-translator.js";
import { serverToolsOf } from "../runtime/server-tool-handlers.js";
import { listServerTools, type ServerToList } from "./server-tool-listing.js";
import { runtimeCallError } from "./upstream-errors.js";

export type { AssistantAnswer, PendingToolCall, TurnOutcome } from "./turn-outcome.js";

export interface TurnOptions extends TranslationSettings {
  /** Starts the exchange once the turn listens: sends the prompt, or answers pending tool calls (turn-input.ts). */
  begin: () => Promise<unknown>;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Requested servers whose tools the client is shown before the turn is sent. */
  listServers?: readonly ServerToList[];
}

export interface Turn extends AsyncIterable<TurnEvent> {
  /** Resolves once the session took the turn (`begin` succeeded); rejects with the reason if it did not. */
  readonly started: Promise<void>;
  /** Settles when the turn is over; tells the owner whether the session is still usable. */
  readonly outcome: Promise<TurnOutcome>;
}

/**
 * The turn's events end with its `finish` or `error` (core/turn.ts), or
 * without either when the client went away. `outcome` settles once the last
 * event is queued; the session is aborted first unless the turn ended
 * naturally (idle, or tool calls waiting on the client).
 */
export function runTurn(session: CopilotSession, options: TurnOptions): Turn {
  const queue = new EventQueue<TurnEvent>();
  let settle: (outcome: TurnOutcome) => void = () => {};
  const outcome = new Promise<TurnOutcome>((resolve) => (settle = resolve));

  // A shared server's tools run as handler tools: the runtime does not know them as a server's (server-tool-handlers.ts).
  const serverToolNames = serverToolsOf(session)?.calledAs;
  const translator = new TurnTranslator(serverToolNames ? { ...options, serverToolNames } : options, {
    emit: (event) => queue.push(event),
    end: (result) => {
      unsubscribe();
      options.signal.removeEventListener("abort", onClientAbort);
      queue.close();
      // Anything but a natural end leaves a model call or an unwanted continuation running upstream: cancel it.
      if (!endedNaturally(result)) void session.abort().catch(() => undefined);
      if (result.kind === "approvals_pending") options.approvals?.bufferBetweenTurns((listener) => session.on(listener));
      settle(result);
    },
    decline: (call) => declineHiddenCall(session, call),
  });
  const onClientAbort = () => translator.clientAborted(options.signal.reason);

  let unlistenApprovals: (() => void) | undefined;
  const stopListening = session.on((event) => translator.handle(event));
  const unsubscribe = () => {
    stopListening();
    unlistenApprovals?.();
  };
  options.signal.addEventListener("abort", onClientAbort, { once: true });
  let started: Promise<void>;
  if (options.signal.aborted) {
    onClientAbort();
    started = Promise.reject(new Error("the client went away before the turn started"));
  } else {
    translator.start();
    // What the runtime did while no turn listened comes first.
    for (const event of options.approvals?.takeBuffered() ?? []) translator.handle(event);
    started = sendInput(withListing(session, options, translator), translator, outcome);
    // After the input went in (the client's decisions among it): an approval asked meanwhile ends this turn, not the last.
    unlistenApprovals = options.approvals?.listen((pending) => translator.approvalRequested(pending));
  }
  // Owners that do not wait for `started` learn of the failure from the events.
  started.catch(() => undefined);

  return {
    started,
    outcome,
    [Symbol.asyncIterator]: () => queue,
  };
}

/** `begin`, after the requested servers' tools are shown. */
function withListing(session: CopilotSession, options: TurnOptions, translator: TurnTranslator): () => Promise<unknown> {
  const servers = options.listServers;
  if (!servers?.length) return options.begin;
  return async () => {
    for (const listed of await listServerTools(session, servers)) translator.showEvent(listed);
    return options.begin();
  };
}

/** Runs `begin`; settles when the session took the turn, or when the turn ended before it did. */
function sendInput(begin: () => Promise<unknown>, translator: TurnTranslator, outcome: Promise<TurnOutcome>): Promise<void> {
  const begun = begin().then(
    () => translator.inputTaken(),
    (error: unknown) => {
      translator.fail(runtimeCallError(error, "start the turn"));
      throw error;
    },
  );
  // The runtime may never answer the send (a lone surrogate, a schema nested
  // ~125 deep): a turn that ends first — the deadline, the client leaving —
  // settles `started` too, or its owner would wait for ever.
  // A turn that ended naturally was taken, even if the send's reply is still on its way.
  const endedFirst = outcome.then((result) => {
    if (result.kind === "failed") throw result.error;
    if (result.kind === "client_aborted") throw new Error("the client went away before the session took the turn");
  });
  begun.catch(() => undefined);
  return Promise.race([begun, endedFirst]);
}

// With parallel_tool_calls false the client only saw the first call; the
// session still waits on the others, so they are declined here and the
// model is told why.
function declineHiddenCall(session: CopilotSession, call: PendingToolCall): void {
  void session.rpc.tools
    .handlePendingToolCall({
      requestId: call.requestId,
      result: { textResultForLlm: "Not run: the client accepts one tool call at a time. Call it again if it is still needed.", resultType: "failure" },
    })
    .catch(() => undefined);
}
