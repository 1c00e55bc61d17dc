// Who used the most in the period: keys, GitHub users and static keys, by AI credits, then tokens.
import type { UsageRow } from "../api/admin-api.js";
import { ColumnHeads } from "../shared/column-heads.js";

export function SpendersTable({ rows, labelOf, limit = 10 }: { rows: readonly UsageRow[]; labelOf: (caller: string) => string; limit?: number }) {
  const top = [...rows].sort((a, b) => b.credits - a.credits || b.input_tokens + b.output_tokens - (a.input_tokens + a.output_tokens) || b.requests - a.requests).slice(0, limit);
  return (
    <section class="card" aria-labelledby="spenders-title">
      <h2 id="spenders-title">Top spenders</h2>
      {top.length === 0 ? (
        <p class="hint">No requests in this period.</p>
      ) : (
        <table class="numbers">
          <ColumnHeads names={["Caller", "Requests", "Tokens", "AI credits", "Errors"]} />
          <tbody>
            {top.map((row) => (
              <tr key={row.group.key}>
                <th scope="row">{labelOf(row.group.key ?? "")}</th>
                <td>{row.requests}</td>
                <td>{row.input_tokens + row.output_tokens}</td>
                <td>{row.credits.toFixed(2)}</td>
                <td>{row.errors}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
