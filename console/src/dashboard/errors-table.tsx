// Turns that did not end well in the period, by kind: the gateway's error code, and whether it failed or was cancelled.
import type { UsageRow } from "../api/admin-api.js";
import { ColumnHeads } from "../shared/column-heads.js";

export function ErrorsTable({ rows }: { rows: readonly UsageRow[] }) {
  const failed = rows.filter((row) => row.group.status !== "ok").sort((a, b) => b.requests - a.requests);
  return (
    <section class="card" aria-labelledby="errors-title">
      <h2 id="errors-title">Errors by kind</h2>
      {failed.length === 0 ? (
        <p class="hint">No failed or cancelled turns in this period.</p>
      ) : (
        <table class="numbers">
          <ColumnHeads names={["Kind", "Outcome", "Turns"]} />
          <tbody>
            {failed.map((row) => (
              <tr key={`${row.group.status}:${row.group.error}`}>
                <th scope="row">{row.group.error ? <code>{row.group.error}</code> : row.group.status === "cancelled" ? "stopped by the client" : "no code"}</th>
                <td>{row.group.status}</td>
                <td>{row.requests}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
