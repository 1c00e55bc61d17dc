// One entry of the conversation: the user's words, an answer (reasoning folded
// away, tool calls, what it used and how soon it began), or a tool's result.
// Text is shown as text, never as HTML: a model's answer is untrusted input.
import type { AssistantEntry, Entry } from "./conversation.js";

export function EntryView({ entry }: { entry: Entry }) {
  if (entry.role === "user") {
    return (
      <article class="entry user">
        <h3 class="who">You</h3>
        <div class="text">{entry.content}</div>
      </article>
    );
  }
  if (entry.role === "tool") {
    return (
      <article class="entry tool">
        <h3 class="who">
          Tool result <code>{entry.name}</code>
        </h3>
        <pre class="text">{entry.content}</pre>
      </article>
    );
  }
  return <AnswerView answer={entry} />;
}

function AnswerView({ answer }: { answer: AssistantEntry }) {
  return (
    <article class="entry assistant">
      <h3 class="who">
        Assistant <span class="model">{answer.model}</span>
      </h3>
      {answer.reasoning && (
        <details class="reasoning">
          <summary>Reasoning</summary>
          <div class="text">{answer.reasoning}</div>
        </details>
      )}
      {answer.content && <div class="text answer-text">{answer.content}</div>}
      {answer.toolCalls.map((call) => (
        <div class="tool-call" key={call.id}>
          <span class="label">Tool call</span> <code>{call.function.name}</code>
          <pre>{call.function.arguments}</pre>
        </div>
      ))}
      {answer.stopped && <p class="notice">Stopped.</p>}
      {answer.error && <p class="error">{answer.error}</p>}
      <AnswerFigures answer={answer} />
    </article>
  );
}

function AnswerFigures({ answer }: { answer: AssistantEntry }) {
  const figures: string[] = [];
  if (answer.ttftMs !== undefined) figures.push(`first token after ${answer.ttftMs} ms`);
  if (answer.usage) {
    const reasoning = answer.usage.completion_tokens_details?.reasoning_tokens;
    figures.push(`${answer.usage.prompt_tokens} tokens in, ${answer.usage.completion_tokens} out${reasoning ? ` (${reasoning} reasoning)` : ""}`);
  }
  if (answer.finish) figures.push(`finish: ${answer.finish}`);
  if (figures.length === 0) return null;
  return <p class="figures">{figures.join(" · ")}</p>;
}
