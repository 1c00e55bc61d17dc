// Every key with a budget: what it allows per period, what it spent in the current one, and what is left.
import type { KeyView } from "../api/admin-api.js";
import { ColumnHeads } from "../shared/column-heads.js";

export function BudgetsTable({ keys }: { keys: readonly KeyView[] }) {
  const budgeted = keys.filter((key) => key.budget && key.status !== "revoked");
  return (
    <section class="card" aria-labelledby="budgets-title">
      <h2 id="budgets-title">Budgets</h2>
      {budgeted.length === 0 ? (
        <p class="hint">No key has a budget. Give one a budget below, under Keys.</p>
      ) : (
        <table class="numbers">
          <ColumnHeads names={["Key", "Period", "Tokens left", "AI credits left"]} />
          <tbody>
            {budgeted.map((key) => (
              <tr key={key.id}>
                <th scope="row">{key.name}</th>
                <td>{key.budget!.period}</td>
                <td>
                  <Left label={`${key.name}: tokens`} limit={key.budget!.tokens} spent={key.spent?.tokens ?? 0} decimals={0} />
                </td>
                <td>
                  <Left label={`${key.name}: AI credits`} limit={key.budget!.credits} spent={key.spent?.credits ?? 0} decimals={2} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Left({ label, limit, spent, decimals }: { label: string; limit: number | null; spent: number; decimals: number }) {
  if (limit === null) return <span class="hint">no limit</span>;
  const left = Math.max(0, limit - spent);
  return (
    <span class="left">
      <meter min={0} max={limit} value={left} low={limit * 0.2} high={limit * 0.5} optimum={limit} aria-label={`${label} left`} />{" "}
      {left.toFixed(decimals)} of {limit.toFixed(decimals)}
    </span>
  );
}
