// The usage dashboard, for the holder of GATEWAY_ADMIN_KEY: requests, tokens
// and AI credits over time by person, key or model; top spenders; budgets;
// errors by kind; the latest tool calls; what runs now; the keys themselves, the people who signed in, and who changed them. Admin API only.
import { useEffect, useMemo, useState } from "preact/hooks";
import {
  latestAdminChanges,
  latestToolCalls,
  listKeys,
  listPeople,
  showKey,
  usageReport,
  type AuditView,
  type KeyView,
  type PersonView,
  type ToolCallView,
  type UsageGroup,
  type UsageRow,
} from "../api/admin-api.js";
import { ApiError } from "../api/api-error.js";
import { forgetCredential } from "../api/credentials.js";
import { KeyForm } from "../shared/key-form.js";
import { AdminChangesTable } from "./admin-changes-table.js";
import { BudgetsTable } from "./budgets-table.js";
import { ErrorsTable } from "./errors-table.js";
import { KeyManager } from "./key-manager.js";
import { LiveStatus } from "./live-status.js";
import { PeoplePanel } from "./people-panel.js";
import { SpendersTable } from "./spenders-table.js";
import { ToolCallsTable } from "./tool-calls-table.js";
import { bucketStarts, RANGES, type RangeName } from "./time-range.js";
import { UsageChart } from "./usage-chart.js";
import { METRICS, pivotUsage, seriesColours, type Metric } from "./usage-series.js";
import { Alert } from "../shared/alert.js";

/** How many of the period's tool calls the panel shows, the latest first. */
const TOOL_CALLS_SHOWN = 50;
/** How many of the period's admin changes the panel shows, the latest first. */
const ADMIN_CHANGES_SHOWN = 50;

const SPLITS = { owner: "person", key: "key", model: "model" } as const satisfies Partial<Record<UsageGroup, string>>;
type Split = keyof typeof SPLITS;

/** One load's numbers, with the period and split they were asked for (the selects may have moved on since). */
interface Figures {
  bucket: UsageGroup;
  split: Split;
  starts: number[];
  series: UsageRow[];
  callers: UsageRow[];
  outcomes: UsageRow[];
  /** Undefined: the gateway keeps no audit. */
  toolCalls: ToolCallView[] | undefined;
  /** Undefined: the gateway serves no audit of admin changes. */
  adminChanges: AuditView[] | undefined;
  keys: KeyView[];
  /** Undefined: the gateway has no sign-in. */
  people: PersonView[] | undefined;
}

const ADMIN_KEY_NEEDED = "The usage dashboard is for the holder of the gateway's admin key (GATEWAY_ADMIN_KEY), or an admin signed in with GitHub.";

export function Dashboard() {
  // Asked first without a key too: an admin signed in with GitHub gets in on their session.
  const [keyNeeded, setKeyNeeded] = useState<string | undefined>();
  const [range, setRange] = useState<RangeName>("24h");
  const [split, setSplit] = useState<Split>("owner");
  const [figures, setFigures] = useState<Figures | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (keyNeeded !== undefined) return;
    let current = true;
    const starts = bucketStarts(range, Date.now());
    const from = starts[0]!;
    const bucket = RANGES[range].bucket;
    Promise.all([
      usageReport([bucket, split], from),
      usageReport(["key"], from),
      usageReport(["status", "error"], from),
      latestToolCalls(from, TOOL_CALLS_SHOWN),
      latestAdminChanges(from, ADMIN_CHANGES_SHOWN),
      keysWithSpend(),
      listPeople(),
    ])
      .then(([series, callers, outcomes, toolCalls, adminChanges, keys, people]) => {
        if (!current) return;
        setFigures({ bucket, split, starts, series: series.data, callers: callers.data, outcomes: outcomes.data, toolCalls, adminChanges, keys, people });
        setProblem(undefined);
      })
      .catch((error: unknown) => {
        if (!current) return;
        if (error instanceof ApiError && error.needsCredential) {
          forgetCredential("admin");
          setKeyNeeded(error.code === "missing_admin_key" ? ADMIN_KEY_NEEDED : error.message);
        } else setProblem(error instanceof Error ? error.message : String(error));
      });
    return () => {
      current = false;
    };
  }, [range, split, version, keyNeeded]);

  const labelOf = useMemo(() => {
    const names = new Map((figures?.keys ?? []).map((key) => [key.id, key.owner ? `${key.name} (${key.owner})` : key.name]));
    // The audit's changes to people name them by id; the panel shows their login.
    for (const person of figures?.people ?? []) names.set(person.id, person.login);
    return (value: string) => names.get(value) ?? (value || "(none)");
  }, [figures]);

  if (keyNeeded !== undefined) {
    return (
      <section aria-labelledby="usage-title">
        <h1 id="usage-title">Usage</h1>
        <KeyForm kind="admin" label="Admin key" reason={keyNeeded} onSaved={() => setKeyNeeded(undefined)} />
      </section>
    );
  }

  const charts = useMemo(() => {
    if (!figures) return undefined;
    const pivot = (metric: Metric) => pivotUsage(figures.series, { starts: figures.starts, bucket: figures.bucket, split: figures.split, metric, labelOf });
    const data = { requests: pivot("requests"), tokens: pivot("tokens"), credits: pivot("credits") };
    // Coloured by requests, the busiest first: a person keeps one colour across the three charts.
    return { data, colourOf: seriesColours(data.requests.series) };
  }, [figures, labelOf]);

  const chart = (metric: Metric) =>
    figures &&
    charts && (
      <UsageChart
        key={metric}
        id={`chart-${metric}`}
        title={`${METRICS[metric].title} by ${SPLITS[figures.split]}`}
        decimals={metric === "credits" ? 2 : 0}
        data={charts.data[metric]}
        colourOf={charts.colourOf}
      />
    );

  return (
    <section class="dashboard" aria-labelledby="usage-title">
      <h1 id="usage-title">Usage</h1>
      <div class="settings">
        <label for="range">Period</label>
        <select id="range" value={range} onChange={(event) => setRange(event.currentTarget.value as RangeName)}>
          {Object.entries(RANGES).map(([name, { label }]) => (
            <option key={name} value={name}>
              {label}
            </option>
          ))}
        </select>
        <label for="split">Split by</label>
        <select id="split" value={split} onChange={(event) => setSplit(event.currentTarget.value as Split)}>
          {Object.entries(SPLITS).map(([name, label]) => (
            <option key={name} value={name}>
              {label}
            </option>
          ))}
        </select>
        <button type="button" class="secondary" onClick={() => setVersion(version + 1)}>
          Refresh
        </button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            forgetCredential("admin");
            setKeyNeeded(ADMIN_KEY_NEEDED);
          }}
        >
          Forget admin key
        </button>
      </div>
      <Alert message={problem} />
      <LiveStatus version={version} />
      {figures && (
        <>
          <div class="charts">
            {chart("requests")}
            {chart("tokens")}
            {chart("credits")}
          </div>
          <div class="tables">
            <SpendersTable rows={figures.callers} labelOf={labelOf} />
            <BudgetsTable keys={figures.keys} />
            <ErrorsTable rows={figures.outcomes} />
          </div>
          <ToolCallsTable calls={figures.toolCalls} labelOf={labelOf} />
          <KeyManager keys={figures.keys} onChanged={() => setVersion(version + 1)} />
          <PeoplePanel people={figures.people} onChanged={() => setVersion(version + 1)} />
          <AdminChangesTable changes={figures.adminChanges} labelOf={labelOf} />
        </>
      )}
    </section>
  );
}

/** Every key; those with a budget with what they spent in its current period (one request each: teams have few keys). */
async function keysWithSpend(): Promise<KeyView[]> {
  const keys = await listKeys();
  return Promise.all(keys.map((key) => (key.budget && key.status !== "revoked" ? showKey(key.id) : key)));
}
