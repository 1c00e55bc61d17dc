// `npm run test:agents`: drives real coding agents non-interactively through
// the gateway on the scripted model, each through a real tool loop on disk
// (write hello.txt with one tool, run `cat hello.txt` with another, answer),
// and prints a compatibility matrix. Not part of `npm test`: it installs
// pinned agent versions from npm on first use, into
// ~/.cache/copilot-gateway-agents/<agent>@<version> (never the project's node_modules).
//
//   npm run test:agents                       # every agent; writes tests/agents/MATRIX.md
//   npm run test:agents -- --only codex,opencode
//   npm run test:agents -- --keep             # keep each agent's work and home dirs
//
// `npm run test:agents:signed-in` (signed-in.ts) runs Claude Code and Codex
// the way a signed-in person does instead: a gateway process in github mode,
// `copilot-gateway login` and `setup` into the person's HOME, their own seat.
//
// COPILOT_GATEWAY_AGENTS_CACHE moves the cache. Each agent runs in its own
// working directory with its own HOME (its configuration only), under
// <cache>/runs/, removed afterwards. One gateway (in-process, BYOK, on a real
// socket) serves them all, one after another. Warm, the whole matrix takes
// about half a minute; the first run also downloads about 1.6 GB.
// Exit status: 0 when every agent passed, 1 when one failed, 2 when the harness broke.
//
// What each agent sent (its first loop request in full, every request, the
// runtime's upstream calls, its output) is saved in <cache>/requests/
// (AGENT_REQUESTS_DIR to change it).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createLogger } from "../../src/observability/pino-logger.js";
import { startGateway, TEST_MODEL, type TestGateway } from "../support/gateway.js";
import { everythingServer, servers } from "../support/mcp-servers.js";
import { AGENTS, type AgentContext, type AgentSpec } from "./agents.js";
import {
  cacheRoot,
  serverToolMessage,
  ensureInstalled,
  helloTask,
  itemTypesOf,
  loopResponder,
  modelRequests,
  newLoopState,
  recordingFrontDoor,
  renderMatrix,
  requestShape,
  runProcess,
  shellEnv,
  taskProgress,
  type AgentOutcome,
  type GatewayExchange,
  type RequestShape,
  VOLATILE_HEADER,
} from "./harness.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");

interface Options {
  only?: Set<string>;
  keep: boolean;
  timeoutMs: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { keep: false, timeoutMs: 150_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => argv[++i] ?? "";
    if (arg === "--only") options.only = new Set(value().split(",").filter(Boolean));
    else if (arg.startsWith("--only=")) options.only = new Set(arg.slice(7).split(",").filter(Boolean));
    else if (arg === "--keep") options.keep = true;
    else if (arg === "--timeout-seconds") options.timeoutMs = Number(value()) * 1000;
    else if (arg === "--help" || arg === "-h") {
      console.log(`usage: tsx tests/agents/run.ts [--only ${AGENTS.map((a) => a.id).join(",")}] [--keep] [--timeout-seconds N]`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

const log = (line: string) => console.log(`[agents] ${line}`);

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const agents = AGENTS.filter((agent) => !options.only || options.only.has(agent.id));
  if (agents.length === 0) throw new Error(`no agent matches --only; known: ${AGENTS.map((a) => a.id).join(", ")}`);
  const started = Date.now();
  const requestsDir = process.env.AGENT_REQUESTS_DIR || join(cacheRoot(), "requests");
  await mkdir(requestsDir, { recursive: true });

  // Installs run side by side; an agent whose install fails is a FAIL row, not an abort.
  const installErrors = new Map<string, string>();
  const installs = new Map<string, AgentSpec[]>();
  for (const agent of agents) installs.set(installDir(agent), [...(installs.get(installDir(agent)) ?? []), agent]);
  await Promise.all(
    [...installs].map(([dir, sharing]) =>
      ensureInstalled(dir, sharing[0]!.packages, log).catch((error: unknown) => {
        for (const agent of sharing) installErrors.set(agent.id, error instanceof Error ? error.message : String(error));
      }),
    ),
  );

  const gatewayLog: string[] = [];
  const gw = await startGateway(
    // A server of the company's tools, granted to every caller: the loop ends with a call of it, run by the gateway's runtime.
    { turnTimeoutMs: 60_000, mcpServers: servers({ everything: everythingServer({ tools: ["echo"] }) }), defaultMcpGrants: ["*"] },
    { models: [TEST_MODEL, "claude-sonnet-4.5"], logger: createLogger("info", (line) => gatewayLog.push(line)) },
  );
  const door = await recordingFrontDoor(gw);
  log(`gateway on ${door.origin}, scripted model on ${gw.upstream.baseUrl}`);

  const outcomes: AgentOutcome[] = [];
  const shapes: Record<string, RequestShape | undefined> = {};
  try {
    for (const agent of agents) {
      const install = installErrors.get(agent.id);
      if (install) {
        outcomes.push(failed(agent, `install failed: ${install.slice(0, 300)}`));
        continue;
      }
      const { outcome, shape, errorBodies } = await runAgent(agent, door.origin, door.exchanges, gw, requestsDir, options, gatewayLog);
      outcomes.push(outcome);
      shapes[agent.id] = shape;
      log(`${agent.label}: ${outcome.pass ? "PASS" : "FAIL"} in ${outcome.seconds}s${outcome.reason ? ` (${outcome.reason})` : ""}`);
      for (const error of errorBodies) log(`  ${error}`);
    }
  } finally {
    await door.close();
    await gw.close();
    await writeFile(join(requestsDir, "gateway.log"), gatewayLog.join("\n") + "\n");
  }

  const date = new Date().toISOString().slice(0, 10);
  console.log(`\n${renderMatrix(outcomes, date, false)}\n`);
  console.log(renderShapes(shapes, false));
  await writeFile(join(requestsDir, "summary.json"), JSON.stringify({ date, outcomes, shapes }, null, 2));
  if (!options.only) {
    const markdown = [
      "# Agent compatibility matrix",
      "",
      `Generated by \`npm run test:agents\` on ${date}: each agent, installed at the pinned version, runs`,
      "non-interactively against the gateway (BYOK, the scripted model of `tests/support/upstream.ts`).",
      "The scripted model calls the agent's file-writing tool to create `hello.txt`, then its shell tool",
      "to run `cat hello.txt`, then a tool of the gateway's own MCP server (server-everything's `echo`,",
      "granted to every caller), which the gateway's runtime runs inside the turn, then answers. PASS means",
      "the file is on disk with the content, the command's output and the server tool's result came back",
      "to the model as tool results, and the agent printed the final answer and exited 0.",
      "Turns are the agent's model requests to the gateway.",
      "",
      renderMatrix(outcomes, date, true),
      "",
      "## What each agent sends",
      "",
      "Tool and input item types of each agent's first model request, as it sends them by default.",
      "",
      renderShapes(shapes, true),
      "",
    ].join("\n");
    await writeFile(join(HERE, "MATRIX.md"), markdown);
    log(`wrote ${join(HERE, "MATRIX.md")}`);
  }
  log(`requests saved in ${requestsDir}; total ${Math.round((Date.now() - started) / 1000)}s`);
  return outcomes.every((o) => o.pass) ? 0 : 1;
}

function installDir(agent: AgentSpec): string {
  return join(cacheRoot(), `${agent.installName ?? agent.id}@${agent.version}`);
}

/** The message of an OpenAI- or Anthropic-shaped error body, else the body itself. */
function errorMessage(body: string | undefined): string {
  try {
    const parsed = JSON.parse(body ?? "") as { error?: { message?: string } };
    if (parsed.error?.message) return parsed.error.message;
  } catch {
    // not JSON
  }
  return (body ?? "").slice(0, 300);
}

function failed(agent: AgentSpec, reason: string): AgentOutcome {
  return { id: agent.id, label: agent.label, version: agent.version, dialects: [], fileWritten: false, commandRun: false, serverToolRan: false, turns: 0, pass: false, seconds: 0, tools: "", reason };
}

async function runAgent(
  agent: AgentSpec,
  origin: string,
  exchanges: GatewayExchange[],
  gw: TestGateway,
  requestsDir: string,
  options: Options,
  gatewayLog: string[],
): Promise<{ outcome: AgentOutcome; shape?: RequestShape; errorBodies: string[] }> {
  // Outside /tmp: some agents refuse to put helper files under a temporary directory.
  const runsDir = join(cacheRoot(), "runs");
  await mkdir(runsDir, { recursive: true });
  const root = await mkdtemp(join(runsDir, `${agent.id}-`));
  const workDir = join(root, "work");
  const homeDir = join(root, "home");
  await mkdir(workDir, { recursive: true });
  await mkdir(homeDir, { recursive: true });
  const { task, prompt } = helloTask(workDir, `hello from ${agent.id} through copilot-gateway\n`, `All done: hello.txt is written and \`cat hello.txt\` printed it (${agent.id}).`);
  const baseEnv: Record<string, string> = {
    ...shellEnv(homeDir),
    XDG_CONFIG_HOME: join(homeDir, ".config"),
    XDG_DATA_HOME: join(homeDir, ".local", "share"),
    XDG_STATE_HOME: join(homeDir, ".local", "state"),
    XDG_CACHE_HOME: join(homeDir, ".cache"),
  };
  const ctx: AgentContext = { installDir: installDir(agent), workDir, homeDir, origin, prompt, task, baseEnv };

  const firstExchange = exchanges.length;
  const firstUpstream = gw.upstream.calls.length;
  const firstLog = gatewayLog.length;
  const state = newLoopState();
  gw.upstream.respond(loopResponder(agent.id, agent.plan, task, state, agent.sideAnswer ?? (() => "OK")));

  const t0 = Date.now();
  let stdout = "";
  let stderr = "";
  let exit = "";
  try {
    const launch = await agent.prepare(ctx);
    if (launch.note) state.notes.push(launch.note);
    log(`${agent.label} ${agent.version}: ${[launch.command, ...launch.args.map((a) => (a === prompt ? "<prompt>" : a))].join(" ")}`);
    const result = await runProcess({ command: launch.command, args: launch.args, env: launch.env, cwd: workDir, timeoutMs: options.timeoutMs });
    stdout = result.stdout;
    stderr = result.stderr;
    exit = result.timedOut ? `timed out after ${options.timeoutMs / 1000}s` : result.code === 0 ? "" : `exit ${result.code ?? result.signal}`;
  } catch (error) {
    exit = `could not start: ${error instanceof Error ? error.message : String(error)}`;
  }
  const seconds = Math.round((Date.now() - t0) / 1000);

  const mine = exchanges.slice(firstExchange);
  const models = modelRequests(mine);
  const upstreamCalls = gw.upstream.calls.slice(firstUpstream);
  const { written, fileWritten, commandRun, answered } = await taskProgress(task, state, stdout);
  const serverToolRan = state.results.server === `Echo: ${serverToolMessage(agent.id)}`;
  const errors = mine.filter((e) => e.status >= 400);
  const rejected = upstreamCalls.filter((call) => call.rejected);

  const reasons: string[] = [];
  if (exit) reasons.push(exit);
  for (const e of errors.slice(0, 2)) reasons.push(`gateway ${e.status} on ${e.method} ${e.path.split("?")[0]}: ${errorMessage(e.errorBody)}`);
  for (const call of rejected.slice(0, 1)) reasons.push(`scripted model rejected the runtime's request: ${call.rejected}`);
  if (!fileWritten) reasons.push(written ? `hello.txt has other content: ${JSON.stringify(written.slice(0, 80))}` : "hello.txt not written");
  if (!commandRun) reasons.push(state.results.shell === undefined ? "no result of the shell call reached the model" : `shell result lacks the content: ${JSON.stringify(state.results.shell.slice(0, 160))}`);
  if (!answered && !exit) reasons.push("final answer not printed");
  if (!serverToolRan) reasons.push(state.results.server === undefined ? "the server-side tool's result never reached the model" : `server-side tool result: ${JSON.stringify(state.results.server.slice(0, 120))}`);
  if (exit && errors.length === 0 && (stderr || stdout)) reasons.push(`output: ${(stderr.trim() || stdout.trim()).split("\n").slice(-3).join(" / ").slice(0, 300)}`);
  reasons.push(...state.notes);
  const modelErrors = models.filter((m) => m.status >= 400).length;
  const pass = fileWritten && commandRun && serverToolRan && answered && !exit && modelErrors === 0;

  const dialects = [...new Set(models.map((m) => m.dialect))];
  // The first request of the loop (one offering tools): some agents first ask for a title.
  const loopIndex = Math.max(0, models.findIndex((m) => ((m.body as { tools?: unknown[] } | undefined)?.tools?.length ?? 0) > 0));
  const shape = models[loopIndex] ? requestShape(models[loopIndex]) : undefined;
  if (shape) {
    shape.allItemTypes = [...new Set(models.flatMap((m) => Object.keys(itemTypesOf(m)).map((t) => t.trim())))];
    if (loopIndex > 0) shape.precededBy = loopIndex;
  }
  const outcome: AgentOutcome = {
    id: agent.id,
    label: agent.label,
    version: agent.version,
    dialects,
    fileWritten,
    commandRun,
    serverToolRan,
    turns: models.length,
    pass,
    seconds,
    tools: [state.writeTool && `write: ${state.writeTool}`, state.shellTool && `run: ${state.shellTool}`].filter(Boolean).join(", "),
    reason: reasons.join("; "),
  };

  // For the gateway's developers: what this agent sent, in full.
  await writeFile(join(requestsDir, `${agent.id}.first.json`), JSON.stringify(models[loopIndex] ?? mine[0] ?? null, null, 2));
  await writeFile(join(requestsDir, `${agent.id}.all.json`), JSON.stringify(mine, null, 2));
  await writeFile(join(requestsDir, `${agent.id}.upstream.json`), JSON.stringify(upstreamCalls.map((c) => ({ request: c.request, rejected: c.rejected })), null, 2));
  await writeFile(join(requestsDir, `${agent.id}.stdout.txt`), stdout);
  await writeFile(join(requestsDir, `${agent.id}.stderr.txt`), stderr);
  await writeFile(join(requestsDir, `${agent.id}.gateway.log`), gatewayLog.slice(firstLog).join("\n") + "\n");
  if (!options.keep) await rm(root, { recursive: true, force: true });
  else log(`kept ${root}`);
  const errorBodies = errors.map((e) => `gateway ${e.status} on ${e.method} ${e.path}: ${e.errorBody ?? ""}`);
  return { outcome, errorBodies, ...(shape ? { shape } : {}) };
}

function renderShapes(shapes: Record<string, RequestShape | undefined>, markdown: boolean): string {
  const fmt = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([type, n]) => `${type.trim()} ×${n}`)
      .join(", ");
  const lines: string[] = [];
  for (const agent of AGENTS) {
    if (!(agent.id in shapes)) continue;
    const shape = shapes[agent.id];
    if (!shape) {
      lines.push(markdown ? `- **${agent.label}**: no model request reached the gateway` : `${agent.label}: no model request`);
      continue;
    }
    const headers = Object.entries(shape.headers)
      .map(([k, v]) => (VOLATILE_HEADER.test(k) ? k : `${k}: ${v.length > 60 ? `${v.slice(0, 60)}…` : v}`))
      .join("; ");
    if (markdown) {
      lines.push(`- **${agent.label}** (${shape.dialect}, model \`${shape.model}\`, stream ${shape.stream}):`);
      lines.push(`  - tool types: ${fmt(shape.toolTypes) || "none"}`);
      lines.push(`  - tools: ${shape.toolNames.map((n) => `\`${n}\``).join(", ") || "none"}`);
      if (Object.keys(shape.toolFields).length) lines.push(`  - tool fields of note: ${fmt(shape.toolFields)}`);
      lines.push(`  - input/message item types: ${fmt(shape.itemTypes) || "none"}`);
      if (shape.allItemTypes) lines.push(`  - item types over the whole loop: ${shape.allItemTypes.map((t) => `\`${t}\``).join(", ")}`);
      if (shape.precededBy) lines.push(`  - preceded by ${shape.precededBy} model request(s) without tools (a title)`);
      lines.push(`  - body keys: ${shape.keys.map((k) => `\`${k}\``).join(", ")}`);
      if (headers) lines.push(`  - headers of note: ${headers}`);
    } else {
      lines.push(`${agent.label} — ${shape.dialect}, model ${shape.model}, stream ${shape.stream}`);
      lines.push(`  tool types: ${fmt(shape.toolTypes) || "none"}`);
      lines.push(`  tools: ${shape.toolNames.join(", ") || "none"}`);
      if (Object.keys(shape.toolFields).length) lines.push(`  tool fields of note: ${fmt(shape.toolFields)}`);
      lines.push(`  item types: ${fmt(shape.itemTypes) || "none"}`);
      if (shape.allItemTypes) lines.push(`  item types over the loop: ${shape.allItemTypes.join(", ")}`);
      if (shape.precededBy) lines.push(`  preceded by ${shape.precededBy} model request(s) without tools`);
      lines.push(`  body keys: ${shape.keys.join(", ")}`);
      if (headers) lines.push(`  headers: ${headers}`);
    }
  }
  return lines.join("\n");
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
