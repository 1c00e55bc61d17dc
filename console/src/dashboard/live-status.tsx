// What this gateway process is doing right now, refreshed every few seconds.
import { useEffect, useState } from "preact/hooks";
import { gatewayStatus, type GatewayStatus } from "../api/admin-api.js";

const REFRESH_MS = 5_000;

function figuresOf(status: GatewayStatus): Array<[name: string, label: string, value: number]> {
  return [
    ["turns-in-flight", "Turns running", status.turns.in_flight],
    ["turns-waiting", "Turns waiting", status.turns.waiting],
    ["live-sessions", "Live sessions", status.sessions.live],
    ["suspended-sessions", "Suspended sessions", status.sessions.suspended],
    ["streams-in-flight", "Streams open", status.streams_in_flight],
  ];
}

/** Refreshed every few seconds, and at once whenever `version` changes (the dashboard's Refresh button). */
export function LiveStatus({ version }: { version: number }) {
  const [status, setStatus] = useState<GatewayStatus | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  useEffect(() => {
    let stopped = false;
    const refresh = () =>
      gatewayStatus().then(
        (next) => !stopped && (setStatus(next), setProblem(undefined)),
        (error: unknown) => !stopped && setProblem(error instanceof Error ? error.message : String(error)),
      );
    void refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [version]);
  return (
    <section class="card live" aria-labelledby="live-title">
      <h2 id="live-title">Now</h2>
      {problem && <p class="error">{problem}</p>}
      {status && (
        <dl class="figures-grid">
          {figuresOf(status).map(([name, label, value]) => (
            <div key={name}>
              <dt>{label}</dt>
              <dd data-figure={name}>{value}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
