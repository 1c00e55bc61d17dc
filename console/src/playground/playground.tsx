// The playground: pick a model, chat with streamed answers, answer tool calls,
// stop an answer. It uses the gateway's public API only, with the user's key,
// exactly as any OpenAI client would.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api/api-error.js";
import { streamChatCompletion } from "../api/chat-stream.js";
import { readCredential } from "../api/credentials.js";
import { requestJson } from "../api/request-json.js";
import { KeyForm } from "../shared/key-form.js";
import { Composer } from "./composer.js";
import { emptyAnswer, requestMessages, waitingToolCalls, withEvent, type AssistantEntry, type Entry } from "./conversation.js";
import { EntryView } from "./entry-view.js";
import { loadConversation, loadModel, loadTools, saveConversation, saveModel, saveTools, type SavedTools } from "./saved-state.js";
import { DEFAULT_TOOLS_TEXT, parseTools } from "./tool-list.js";
import { ToolResultsForm } from "./tool-results-form.js";
import { ToolsEditor } from "./tools-editor.js";
import { Alert } from "../shared/alert.js";

export function Playground() {
  const [models, setModels] = useState<string[] | undefined>();
  const [model, setModel] = useState(loadModel() ?? "");
  const [keyNeeded, setKeyNeeded] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [entries, setEntries] = useState<Entry[]>(loadConversation);
  const [tools, setTools] = useState<SavedTools>(() => loadTools({ enabled: true, text: DEFAULT_TOOLS_TEXT }));
  const [running, setRunning] = useState(false);
  const [announcement, setAnnouncement] = useState("");
  const running$ = useRef<AbortController | undefined>(undefined);

  const loadModels = async () => {
    try {
      const list = await requestJson<{ data: Array<{ id: string }> }>("/v1/models", { key: readCredential("api") });
      const ids = list.data.map((entry) => entry.id);
      setModels(ids);
      setKeyNeeded(undefined);
      setProblem(undefined);
      setModel((chosen) => (ids.includes(chosen) ? chosen : (ids[0] ?? "")));
    } catch (error) {
      if (error instanceof ApiError && error.needsCredential) setKeyNeeded(error.message);
      else setProblem(`The model list did not load: ${messageOf(error)}`);
    }
  };
  useEffect(() => void loadModels(), []);
  // Saved once an answer is over, not at every streamed token.
  useEffect(() => {
    if (!running) saveConversation(entries);
  }, [entries, running]);

  const run = async (conversation: Entry[]) => {
    const offered = tools.enabled ? parseTools(tools.text) : { tools: [] };
    if (offered.error !== undefined) {
      setProblem(offered.error);
      return;
    }
    setProblem(undefined);
    const abort = new AbortController();
    running$.current = abort;
    setRunning(true);
    setAnnouncement("Answering…");
    let answer: AssistantEntry = emptyAnswer(model);
    setEntries([...conversation, answer]);
    const started = performance.now();
    try {
      await streamChatCompletion(
        { model, messages: requestMessages(conversation), ...(offered.tools.length > 0 ? { tools: offered.tools } : {}) },
        {
          key: readCredential("api"),
          signal: abort.signal,
          onEvent(event) {
            if (answer.ttftMs === undefined && event.type !== "finish" && event.type !== "usage") answer = { ...answer, ttftMs: Math.round(performance.now() - started) };
            answer = withEvent(answer, event);
            setEntries([...conversation, answer]);
          },
        },
      );
      setAnnouncement(answer.toolCalls.length > 0 ? "The model called a tool: type its result below." : "Answer complete.");
    } catch (error) {
      if (abort.signal.aborted) answer = { ...answer, stopped: true };
      else answer = { ...answer, error: messageOf(error) };
      if (error instanceof ApiError && error.needsCredential) setKeyNeeded(error.message);
      setEntries([...conversation, answer]);
      setAnnouncement(abort.signal.aborted ? "Stopped." : "The answer failed.");
    } finally {
      running$.current = undefined;
      setRunning(false);
    }
  };

  const waiting = running ? [] : waitingToolCalls(entries);
  const last = entries.at(-1);
  const canRetry = !running && last?.role === "assistant" && (last.error !== undefined || last.stopped === true);

  return (
    <section class="playground" aria-labelledby="playground-title">
      <h1 id="playground-title">Playground</h1>
      {keyNeeded !== undefined && <KeyForm kind="api" label="API key or GitHub token" reason={keyNeeded} onSaved={() => void loadModels()} />}
      <div class="settings">
        <label for="model">Model</label>
        <select
          id="model"
          value={model}
          disabled={!models}
          onChange={(event) => {
            setModel(event.currentTarget.value);
            saveModel(event.currentTarget.value);
          }}
        >
          {!models && <option value="">Loading models…</option>}
          {models?.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
        <ToolsEditor
          tools={tools}
          onChange={(next) => {
            setTools(next);
            saveTools(next);
          }}
        />
        <button type="button" class="secondary" disabled={running || entries.length === 0} onClick={() => setEntries([])}>
          New conversation
        </button>
      </div>
      <Alert message={problem} />
      <div class="conversation" role="log" aria-label="Conversation" aria-busy={running}>
        {entries.length === 0 && <p class="hint">Ask anything. The conversation is kept in this browser until you start a new one.</p>}
        {entries.map((entry, index) => (
          <EntryView key={index} entry={entry} />
        ))}
      </div>
      <p class="sr-only" role="status">
        {announcement}
      </p>
      {canRetry && (
        <button type="button" class="secondary" onClick={() => void run(entries.slice(0, -1))}>
          Retry
        </button>
      )}
      {waiting.length > 0 ? (
        <ToolResultsForm
          key={waiting.map((call) => call.id).join()}
          calls={waiting}
          onSubmit={(results) =>
            void run([...entries, ...waiting.map((call, index): Entry => ({ role: "tool", toolCallId: call.id, name: call.function.name, content: results[index] ?? "" }))])
          }
        />
      ) : (
        <Composer running={running} disabled={!model || keyNeeded !== undefined} onSend={(text) => void run([...entries, { role: "user", content: text }])} onStop={() => running$.current?.abort()} />
      )}
    </section>
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
