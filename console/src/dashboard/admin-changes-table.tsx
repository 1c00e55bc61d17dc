// The latest changes admins made in the period (keys made, changed, revoked; people disabled, enabled), newest first, with who made them: the audit.
import type { AuditView } from "../api/admin-api.js";
import { ColumnHeads } from "../shared/column-heads.js";

const ACTIONS: Record<AuditView["action"], string> = {
  "key.create": "created",
  "key.update": "changed",
  "key.revoke": "revoked",
  "person.disable": "person disabled",
  "person.enable": "person enabled",
};

export function AdminChangesTable({ changes, labelOf }: { changes: readonly AuditView[] | undefined; labelOf: (keyId: string) => string }) {
  return (
    <section class="card admin-changes" aria-labelledby="admin-changes-title">
      <h2 id="admin-changes-title">Admin changes</h2>
      {changes === undefined ? (
        <p class="hint">This gateway shows no audit of admin changes.</p>
      ) : changes.length === 0 ? (
        <p class="hint">No admin changes in this period.</p>
      ) : (
        <table>
          <ColumnHeads names={["Time", "By", "Key", "Action", "Changes"]} />
          <tbody>
            {changes.map((change) => (
              <tr key={change.id}>
                <td>
                  <time dateTime={change.at}>{new Date(change.at).toLocaleString()}</time>
                </td>
                <td>{change.actor}</td>
                <th scope="row">{labelOf(change.target)}</th>
                <td>{ACTIONS[change.action]}</td>
                <td>{describeChanges(change.changes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** `rpm_limit: null → 30; status: "active" → "revoked"`; a change of nothing says so. */
function describeChanges(changes: AuditView["changes"]): string {
  const parts = Object.entries(changes).map(([field, change]) => (change.from === null ? `${field}: ${JSON.stringify(change.to)}` : `${field}: ${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`));
  return parts.length === 0 ? "nothing changed" : parts.join("; ");
}
