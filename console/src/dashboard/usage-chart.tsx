// One chart of usage over time, drawn by uPlot on a canvas. The canvas is
// hidden from assistive technology; the same numbers are in the table beside it.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ChartData } from "./usage-series.js";
import { ColumnHeads } from "../shared/column-heads.js";

interface UsageChartProps {
  id: string;
  title: string;
  data: ChartData;
  /** The same person, key or model has the same colour in every chart. */
  colourOf: (label: string) => string;
  decimals?: number;
}

export function UsageChart({ id, title, data, colourOf, decimals = 0 }: UsageChartProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = () => Math.max(280, element.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 220,
        series: [
          {},
          ...data.series.map((series) => ({
            label: series.label,
            stroke: colourOf(series.label),
            width: 2,
            points: { show: true, size: 5 },
            value: (_: uPlot, value: number | null) => (value == null ? "–" : value.toFixed(decimals)),
          })),
        ],
        axes: [{}, { size: 60, values: (_: uPlot, ticks: number[]) => ticks.map((tick) => compact(tick)) }],
        legend: { show: data.series.length > 0 },
      },
      [data.starts.map((start) => start / 1000), ...data.series.map((series) => series.values)],
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 220 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, colourOf, decimals]);

  return (
    <figure class="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{title}</figcaption>
      <div ref={host} class="chart-canvas" aria-hidden="true" />
      {data.series.length === 0 && <p class="hint">Nothing in this period yet.</p>}
      <details>
        <summary>{title}: totals as a table</summary>
        <table>
          <ColumnHeads names={["Who or what", "Total"]} />
          <tbody>
            {data.series.map((series) => (
              <tr key={series.label}>
                <th scope="row">{series.label}</th>
                <td>{series.total.toFixed(decimals)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function compact(value: number): string {
  if (Math.abs(value) >= 1_000_000) return `${+(value / 1_000_000).toFixed(1)}M`;
  if (Math.abs(value) >= 1_000) return `${+(value / 1_000).toFixed(1)}k`;
  return String(+value.toFixed(2));
}
