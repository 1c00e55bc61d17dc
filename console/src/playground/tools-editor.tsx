// The tools offered to the model, as an editable JSON list, and whether to offer them.
import type { SavedTools } from "./saved-state.js";
import { parseTools } from "./tool-list.js";

export function ToolsEditor({ tools, onChange }: { tools: SavedTools; onChange: (tools: SavedTools) => void }) {
  const problem = tools.enabled ? parseTools(tools.text).error : undefined;
  return (
    <details class="tools-editor">
      <summary>Tools ({tools.enabled ? "offered" : "off"})</summary>
      <label class="inline">
        <input type="checkbox" checked={tools.enabled} onChange={(event) => onChange({ ...tools, enabled: event.currentTarget.checked })} /> Offer these tools to
        the model
      </label>
      <label for="tools-json">Tool list (Chat Completions <code>tools</code>, JSON)</label>
      <textarea
        id="tools-json"
        rows={10}
        spellcheck={false}
        aria-invalid={problem ? "true" : "false"}
        aria-describedby={problem ? "tools-problem" : undefined}
        value={tools.text}
        onInput={(event) => onChange({ ...tools, text: event.currentTarget.value })}
      />
      {problem && (
        <p id="tools-problem" class="error">
          {problem}
        </p>
      )}
    </details>
  );
}
