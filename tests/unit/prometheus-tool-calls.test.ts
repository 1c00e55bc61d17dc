// The tool-call metrics: each server-side call counted by server, tool and
// outcome, its duration observed per server in seconds; and nothing at all
// without metrics (noMetrics), so a gateway without /metrics pays nothing.
import { describe, expect, it } from "vitest";
import { noMetrics, routeLabel } from "../../src/observability/metrics.js";
import { PrometheusMetrics } from "../../src/observability/prometheus.js";
import { toolCall } from "../support/tool-calls.js";

async function exposition(metrics: PrometheusMetrics): Promise<string[]> {
  return (await metrics.render()).body.split("\n").filter((line) => line.startsWith("copilot_gateway_tool_call"));
}

describe("PrometheusMetrics.toolCallFinished", () => {
  it("counts copilot_gateway_tool_calls_total by server, tool and outcome", async () => {
    const metrics = new PrometheusMetrics();
    metrics.toolCallFinished(toolCall({ server: "tickets", tool: "search", outcome: "ok" }));
    metrics.toolCallFinished(toolCall({ server: "tickets", tool: "search", outcome: "ok" }));
    metrics.toolCallFinished(toolCall({ server: "tickets", tool: "search", outcome: "timeout" }));
    metrics.toolCallFinished(toolCall({ server: "wiki", tool: "read", outcome: "refused" }));
    const lines = await exposition(metrics);
    expect(lines).toEqual(
      expect.arrayContaining([
        'copilot_gateway_tool_calls_total{server="tickets",tool="search",outcome="ok"} 2',
        'copilot_gateway_tool_calls_total{server="tickets",tool="search",outcome="timeout"} 1',
        'copilot_gateway_tool_calls_total{server="wiki",tool="read",outcome="refused"} 1',
      ]),
    );
  });

  it("observes copilot_gateway_tool_call_duration_seconds per server, in seconds", async () => {
    const metrics = new PrometheusMetrics();
    metrics.toolCallFinished(toolCall({ server: "tickets", durationMs: 40 }));
    metrics.toolCallFinished(toolCall({ server: "tickets", durationMs: 3_000 }));
    const lines = await exposition(metrics);
    expect(lines).toEqual(
      expect.arrayContaining([
        'copilot_gateway_tool_call_duration_seconds_bucket{le="0.05",server="tickets"} 1',
        'copilot_gateway_tool_call_duration_seconds_bucket{le="2.5",server="tickets"} 1',
        'copilot_gateway_tool_call_duration_seconds_bucket{le="5",server="tickets"} 2',
        'copilot_gateway_tool_call_duration_seconds_sum{server="tickets"} 3.04',
        'copilot_gateway_tool_call_duration_seconds_count{server="tickets"} 2',
      ]),
    );
    // The server alone labels the histogram: one series per server, not per tool.
    expect(lines.filter((line) => line.includes("tool=")).every((line) => line.startsWith("copilot_gateway_tool_calls_total"))).toBe(true);
  });

  it("has a no-op in noMetrics, and names the audit's route in request labels", async () => {
    expect(() => noMetrics.toolCallFinished(toolCall())).not.toThrow();
    expect((await noMetrics.render()).body).toBe("");
    expect(routeLabel("/admin/tool-calls")).toBe("/admin/tool-calls");
  });
});
