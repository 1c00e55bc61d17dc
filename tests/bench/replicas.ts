// The replicas bench: one conversation across two gateway replicas. Sticky,
// every turn goes to the replica that holds its session (continued); bounced,
// turns alternate between the two, so every turn after the first lands on a
// replica that does not hold the latest history and is seeded from it (a
// session open each turn). TTFT of turns 2…N side by side in one run: what
// affinity at the balancer saves (deploy/kubernetes/ingress.yaml).
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import type { Script } from "../support/upstream.js";
import { gatewayChat } from "./paths.js";
import { spawnedRuntimes } from "./rows.js";
import { percentile, processCpuMs, table } from "./stats.js";

const TURNS = 8;
const CONVERSATIONS = 20;
const WARMUP = 2;
const ANSWER_TEXT = Array.from({ length: 10 }, (_, i) => `word${i} `).join("");
const ANSWER: Script = { steps: Array.from({ length: 10 }, (_, i) => ({ text: `word${i} ` })), usage: { prompt_tokens: 100, completion_tokens: 10 } };

interface Replica {
  gateway: TestGateway;
  baseUrl: string;
}

/** Runs one conversation; `pick(turn)` names the replica of each turn. Returns the TTFT of turns 2…N. */
async function converse(replicas: readonly Replica[], pick: (turn: number) => number, tag: string): Promise<number[]> {
  const messages: Array<Record<string, unknown>> = [];
  const ttfts: number[] = [];
  for (let turn = 0; turn < TURNS; turn++) {
    messages.push({ role: "user", content: `${tag}: step ${turn} of the task, ${"context ".repeat(15)}` });
    const sample = await gatewayChat(replicas[pick(turn)]!.baseUrl, { model: TEST_MODEL, messages });
    if (turn > 0) ttfts.push(sample.ttftMs);
    messages.push({ role: "assistant", content: ANSWER_TEXT });
  }
  return ttfts;
}

export async function benchReplicas(): Promise<void> {
  console.log(`bench: one conversation across two replicas — sticky vs bounced, ${CONVERSATIONS} conversations of ${TURNS} turns each …`);
  const replicas: Replica[] = [];
  try {
    const runtimePids: number[] = [];
    for (let i = 0; i < 2; i++) {
      const { value: gateway, pids } = await spawnedRuntimes(() => startGateway({}, { logging: "production" }));
      runtimePids.push(...pids);
      gateway.upstream.respond(() => ANSWER);
      replicas.push({ gateway, baseUrl: await gateway.listen() });
    }
    const modes = { sticky: (_turn: number) => 0, bounced: (turn: number) => turn % 2 };
    const ttft = { sticky: [] as number[], bounced: [] as number[] };
    const runtimeCpu = { sticky: 0, bounced: 0 };
    for (let i = 0; i < WARMUP + CONVERSATIONS; i++) {
      // Alternate which mode goes first, so drift hits both alike.
      for (const mode of i % 2 === 0 ? (["sticky", "bounced"] as const) : (["bounced", "sticky"] as const)) {
        const cpuBefore = runtimePids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
        const samples = await converse(replicas, modes[mode], `${mode}-${i}`);
        if (i < WARMUP) continue;
        ttft[mode].push(...samples);
        runtimeCpu[mode] += runtimePids.reduce((sum, pid) => sum + processCpuMs(pid), 0) - cpuBefore;
        for (const replica of replicas) replica.gateway.upstream.calls.length = 0;
      }
    }
    const turns = CONVERSATIONS * TURNS;
    const row = (mode: "sticky" | "bounced") => [mode, percentile(ttft[mode], 50).toFixed(2), percentile(ttft[mode], 99).toFixed(2), runtimePids.length > 0 ? (runtimeCpu[mode] / turns).toFixed(1) : "-"];
    console.log("");
    console.log(`one conversation across two replicas (TTFT of turns 2…${TURNS}, ms; c=1):`);
    console.log(table(["affinity", "TTFT p50", "TTFT p99", "runtime CPU ms/turn"], [row("sticky"), row("bounced")]));
    console.log(`bounced / sticky TTFT p50: ${(percentile(ttft.bounced, 50) / percentile(ttft.sticky, 50)).toFixed(2)}× — sticky: each turn continues the replica's session; bounced: each turn is seeded on the other replica from the history.`);
  } finally {
    for (const replica of replicas) await replica.gateway.close();
  }
}
