// The client's half of a tool loop: the model asked for tool calls, the user
// types what each tool returned, and the conversation goes on with them.
import { useState } from "preact/hooks";
import type { ToolCall } from "../api/chat-types.js";

export function ToolResultsForm({ calls, onSubmit }: { calls: ToolCall[]; onSubmit: (results: string[]) => void }) {
  const [results, setResults] = useState<string[]>(() => calls.map(() => ""));
  return (
    <form
      class="tool-results card"
      aria-labelledby="tool-results-title"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit(results);
      }}
    >
      <h3 id="tool-results-title">The model is waiting for {calls.length === 1 ? "a tool result" : `${calls.length} tool results`}</h3>
      {calls.map((call, index) => (
        <div class="field" key={call.id}>
          <label for={`tool-result-${index}`}>
            Result of <code>{call.function.name}</code>(<code>{call.function.arguments}</code>)
          </label>
          <textarea
            id={`tool-result-${index}`}
            rows={2}
            required
            value={results[index] ?? ""}
            onInput={(event) => {
              const next = [...results];
              next[index] = event.currentTarget.value;
              setResults(next);
            }}
          />
        </div>
      ))}
      <button type="submit">Send tool {calls.length === 1 ? "result" : "results"}</button>
    </form>
  );
}
