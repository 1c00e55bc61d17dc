// Starts turns for the HTTP dialects: checks the model, opens a Copilot
// session for the conversation, runs the turn, and closes the session when
// the turn is over. (One session per request; the conversation ledger that
// keeps sessions alive across requests builds on this seam.)
import { GatewayError } from "../http/errors.js";
import type { Runtime } from "../runtime/runtime.js";
import type { TurnEvent, TurnRequest } from "./events.js";
import { renderSessionPrompt } from "./prompt.js";
import { runTurn, type Turn } from "./run-turn.js";
import { checkedOutput, structuredOutputCheck } from "./structured-output.js";
import { offeredTools, requireToolCall, requiresToolCall } from "./tool-choice.js";
import { runtimeCallError } from "./upstream-errors.js";

export interface TurnServiceOptions {
  deadlineMs: number;
}

export class TurnService {
  constructor(
    private readonly runtime: Runtime,
    private readonly options: TurnServiceOptions,
  ) {}

  /** Throws a 404 `model_not_found` unless the runtime serves this model. */
  async checkModel(model: string): Promise<void> {
    let models;
    try {
      models = await this.runtime.listModels();
    } catch (error) {
      throw new GatewayError({
        status: 503,
        code: "models_unavailable",
        message: `The model list could not be read from the Copilot runtime: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    if (!models.some((entry) => entry.id === model)) {
      throw new GatewayError({
        status: 404,
        code: "model_not_found",
        param: "model",
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
      });
    }
  }

  async start(request: TurnRequest, signal: AbortSignal): Promise<Turn> {
    const check = request.responseFormat ? structuredOutputCheck(request.responseFormat) : undefined;
    await this.checkModel(request.model);
    const { systemMessage, prompt, attachments } = renderSessionPrompt(request.messages);
    const tools = offeredTools(request);
    let session;
    try {
      session = await this.runtime.openSession({
        model: request.model,
        systemMessage,
        tools,
        ...(request.reasoningEffort ? { reasoningEffort: request.reasoningEffort } : {}),
      });
    } catch (error) {
      throw runtimeCallError(error, "open a session");
    }
    const turn = runTurn(
      session,
      { prompt, attachments, ...(request.responseFormat ? { responseFormat: request.responseFormat } : {}) },
      {
        signal,
        deadlineMs: this.options.deadlineMs,
        stop: request.stop,
        parallelToolCalls: request.parallelToolCalls,
        ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
      },
    );
    void turn.outcome.then(() => this.runtime.closeSession(session));
    let events: AsyncIterable<TurnEvent> = turn;
    if (check) events = checkedOutput(events, check);
    if (requiresToolCall(request)) events = requireToolCall(events);
    return events === turn ? turn : { outcome: turn.outcome, [Symbol.asyncIterator]: () => events[Symbol.asyncIterator]() };
  }
}
