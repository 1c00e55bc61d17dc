// Virtual keys: create one (its secret shown once), edit its limits, revoke it.
import { useState } from "preact/hooks";
import { createKey, revokeKey, updateKey, type KeyView } from "../api/admin-api.js";
import { KeySettingsForm } from "./key-settings-form.js";
import { Alert } from "../shared/alert.js";
import { ColumnHeads } from "../shared/column-heads.js";
import { ShownOnce } from "../shared/shown-once.js";

export function KeyManager({ keys, onChanged }: { keys: readonly KeyView[]; onChanged: () => void }) {
  const [created, setCreated] = useState<{ name: string; secret: string } | undefined>();
  const [editing, setEditing] = useState<string | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();

  const revoke = async (key: KeyView) => {
    try {
      await revokeKey(key.id);
      setConfirming(undefined);
      onChanged();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };

  return (
    <section class="card keys" aria-labelledby="keys-title">
      <h2 id="keys-title">Keys</h2>
      <Alert message={problem} />
      <table>
        <ColumnHeads names={["Name", "Owner", "Ends in", "Status", "Limits", ""]} />
        <tbody>
          {keys.map((key) => (
            <tr key={key.id}>
              <th scope="row">{key.name}</th>
              <td>{key.owner}</td>
              <td>
                <code>{key.hint}</code>
              </td>
              <td>{key.status}</td>
              <td>{limitsOf(key)}</td>
              <td class="actions">
                {key.status !== "revoked" && (
                  <>
                    <button type="button" class="secondary" aria-label={`Edit ${key.name}`} onClick={() => setEditing(editing === key.id ? undefined : key.id)}>
                      Edit
                    </button>
                    {confirming === key.id ? (
                      <button type="button" class="danger" aria-label={`Confirm: revoke ${key.name} for good`} onClick={() => void revoke(key)}>
                        Confirm revoke
                      </button>
                    ) : (
                      <button type="button" class="secondary" aria-label={`Revoke ${key.name}`} onClick={() => setConfirming(key.id)}>
                        Revoke
                      </button>
                    )}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {keys.length === 0 && <p class="hint">No virtual keys yet.</p>}
      {editing &&
        keys
          .filter((key) => key.id === editing)
          .map((key) => (
            <KeySettingsForm
              key={key.id}
              existing={key}
              onCancel={() => setEditing(undefined)}
              onSubmit={async (settings) => {
                await updateKey(key.id, settings);
                setEditing(undefined);
                onChanged();
              }}
            />
          ))}
      <h3>New key</h3>
      <KeySettingsForm
        onSubmit={async (settings) => {
          const made = await createKey(settings);
          setCreated({ name: made.name, secret: made.key });
          onChanged();
        }}
      />
      {created && (
        <ShownOnce label={`Secret of ${created.name}`} secret={created.secret} onDone={() => setCreated(undefined)}>
          Key <strong>{created.name}</strong> created. Copy its secret now: it is shown only once, and the gateway keeps only a hash of it.
        </ShownOnce>
      )}
    </section>
  );
}

function limitsOf(key: KeyView): string {
  const limits: string[] = [];
  if (key.models) limits.push(`models: ${key.models.join(", ")}`);
  if (key.mcp_servers.length > 0) limits.push(`MCP servers: ${key.mcp_servers.join(", ")}`);
  if (key.budget) {
    const amounts = [key.budget.tokens !== null ? `${key.budget.tokens} tokens` : "", key.budget.credits !== null ? `${key.budget.credits} credits` : ""].filter(Boolean);
    limits.push(`${amounts.join(" and ")} per ${key.budget.period}`);
  }
  if (key.rpm_limit !== null) limits.push(`${key.rpm_limit}/min`);
  if (key.max_parallel !== null) limits.push(`${key.max_parallel} in parallel`);
  return limits.join("; ") || "none";
}
