// The settings of a virtual key, for creating one or editing its limits. An
// empty field means no limit: left out on create, cleared (null) on edit.
import { useState } from "preact/hooks";
import type { KeySettings, KeyView } from "../api/admin-api.js";
import { Alert } from "../shared/alert.js";

interface Fields {
  name: string;
  owner: string;
  models: string;
  mcpServers: string;
  period: "" | "day" | "month";
  tokens: string;
  credits: string;
  rpm: string;
  parallel: string;
  status: "active" | "disabled";
}

function fieldsOf(key: KeyView | undefined): Fields {
  return {
    name: key?.name ?? "",
    owner: key?.owner ?? "",
    models: key?.models?.join(", ") ?? "",
    mcpServers: key?.mcp_servers.join(", ") ?? "",
    period: key?.budget?.period ?? "",
    tokens: key?.budget?.tokens?.toString() ?? "",
    credits: key?.budget?.credits?.toString() ?? "",
    rpm: key?.rpm_limit?.toString() ?? "",
    parallel: key?.max_parallel?.toString() ?? "",
    status: key?.status === "disabled" ? "disabled" : "active",
  };
}

function settingsOf(fields: Fields, editing: boolean): KeySettings {
  const number = (text: string) => (text.trim() === "" ? null : Number(text));
  const list = (text: string) => text.split(",").map((item) => item.trim()).filter(Boolean);
  const models = list(fields.models);
  const mcpServers = list(fields.mcpServers);
  const settings: KeySettings = {
    name: fields.name.trim(),
    owner: fields.owner.trim(),
    models: models.length > 0 ? models : null,
    // Empty is none: a new key is granted no server unless one is named.
    mcp_servers: mcpServers.length > 0 ? mcpServers : null,
    budget: fields.period ? { period: fields.period, tokens: number(fields.tokens), credits: number(fields.credits) } : null,
    rpm_limit: number(fields.rpm),
    max_parallel: number(fields.parallel),
    ...(editing ? { status: fields.status } : {}),
  };
  // A new key has no limits to clear: nulls are left out rather than sent.
  if (!editing) for (const [name, value] of Object.entries(settings)) if (value === null) delete settings[name as keyof KeySettings];
  return settings;
}

interface KeySettingsFormProps {
  /** The key being edited; a new key when absent. */
  existing?: KeyView;
  onSubmit: (settings: KeySettings) => Promise<void>;
  onCancel?: () => void;
}

export function KeySettingsForm({ existing, onSubmit, onCancel }: KeySettingsFormProps) {
  const [fields, setFields] = useState<Fields>(() => fieldsOf(existing));
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const prefix = existing ? `edit-${existing.id}` : "new-key";
  const field = (name: keyof Fields, label: string, attributes: Record<string, string | number | boolean> = {}) => (
    <div class="field">
      <label for={`${prefix}-${name}`}>{label}</label>
      <input id={`${prefix}-${name}`} value={fields[name]} onInput={(event) => setFields({ ...fields, [name]: event.currentTarget.value })} {...attributes} />
    </div>
  );
  return (
    <form
      class="key-settings"
      aria-label={existing ? `Edit ${existing.name}` : "New key"}
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        try {
          await onSubmit(settingsOf(fields, existing !== undefined));
          setProblem(undefined);
          if (!existing) setFields(fieldsOf(undefined));
        } catch (error) {
          setProblem(error instanceof Error ? error.message : String(error));
        } finally {
          setBusy(false);
        }
      }}
    >
      <div class="grid">
        {field("name", "Name", { required: true, maxLength: 200 })}
        {field("owner", "Owner (person or team)")}
        {field("models", "Models (comma list; empty: all)")}
        {field("mcpServers", "MCP servers (comma list; *: all; empty: none)", { spellcheck: false })}
        <div class="field">
          <label for={`${prefix}-period`}>Budget period</label>
          <select id={`${prefix}-period`} value={fields.period} onChange={(event) => setFields({ ...fields, period: event.currentTarget.value as Fields["period"] })}>
            <option value="">No budget</option>
            <option value="day">Per day</option>
            <option value="month">Per month</option>
          </select>
        </div>
        {field("tokens", "Budget: tokens", { type: "number", min: 1, step: 1, inputMode: "numeric" })}
        {field("credits", "Budget: AI credits", { type: "number", min: 0.01, step: "any" })}
        {field("rpm", "Requests per minute", { type: "number", min: 1, step: 1 })}
        {field("parallel", "Turns in parallel", { type: "number", min: 1, step: 1 })}
        {existing && (
          <div class="field">
            <label for={`${prefix}-status`}>Status</label>
            <select id={`${prefix}-status`} value={fields.status} onChange={(event) => setFields({ ...fields, status: event.currentTarget.value as Fields["status"] })}>
              <option value="active">Active</option>
              <option value="disabled">Disabled</option>
            </select>
          </div>
        )}
      </div>
      <Alert message={problem} />
      <div class="buttons">
        <button type="submit" disabled={busy}>
          {existing ? "Save changes" : "Create key"}
        </button>
        {onCancel && (
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
