// The latest tool calls the company's MCP servers ran for callers in the period, newest first (the audit).
import type { ToolCallView } from "../api/admin-api.js";
import { ColumnHeads } from "../shared/column-heads.js";

export function ToolCallsTable({ calls, labelOf }: { calls: readonly ToolCallView[] | undefined; labelOf: (caller: string) => string }) {
  return (
    <section class="card tool-calls" aria-labelledby="tool-calls-title">
      <h2 id="tool-calls-title">Tool calls</h2>
      {calls === undefined ? (
        <p class="hint">This gateway keeps no tool-call audit.</p>
      ) : calls.length === 0 ? (
        <p class="hint">No company tools ran in this period.</p>
      ) : (
        <table>
          <ColumnHeads names={["Time", "Caller", "Model", "Server", "Tool", "Outcome", "Duration"]} />
          <tbody>
            {calls.map((call, index) => (
              <tr key={`${call.at}:${call.request_id}:${index}`}>
                <td>
                  <time dateTime={call.at}>{new Date(call.at).toLocaleString()}</time>
                </td>
                <th scope="row">{labelOf(call.caller)}</th>
                <td>{call.model}</td>
                <td>{call.server}</td>
                <td>
                  <code>{call.tool}</code>
                </td>
                <td class={call.outcome === "ok" ? undefined : "error"}>{call.outcome}</td>
                <td class="number">{call.duration_ms} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
