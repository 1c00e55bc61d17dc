// `npm run test:agents:signed-in`: signing in, end to end, with real agents.
// A person signs in once in the terminal, gets a key, and uses Claude Code or
// Codex on their own Copilot seat without touching a GitHub token.
//
// Everything is a real process except GitHub: the scripted GitHub App
// (tests/support/github-oauth.ts) and the scripted GitHub and Copilot API
// (tests/support/github-api.ts) run on loopback. One gateway process runs in
// GATEWAY_AUTH=github mode with sign-in on, behind a thin recording proxy on
// loopback (the address people are given, as a load balancer would be). For
// each of two people, with a HOME of their own:
//   1. `copilot-gateway login --url <gateway>` completes the device flow (the
//      person approves the code on the scripted GitHub) and saves their key;
//   2. `copilot-gateway setup claude-code` and `setup codex` write the tools'
//      configs into that HOME;
//   3. the harness's pinned Claude Code and Codex run non-interactively with
//      that HOME and nothing else: no key, no GitHub token in their
//      environment, none of the person's GitHub tokens in any file of the HOME;
//      the model (the scripted Copilot API, playing the matrix's tool loop)
//      has them write hello.txt, run `cat hello.txt` and answer.
// PASS means the loop completed (as in the matrix) and every Copilot model
// call made during the agent's run carried that person's own GitHub token.
// Writes tests/agents/SIGNED-IN.md. Not part of `npm test`.
//
//   npm run test:agents:signed-in [-- --keep] [-- --timeout-seconds N]
//
// Exit status: 0 when every run passed, 1 when one failed, 2 when the harness broke.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runCliProcess } from "../support/cli-process.js";
import { startGatewayProcess, type GatewayProcess } from "../support/gateway-process.js";
import { startScriptedGitHub, type ScriptedGitHub } from "../support/github-api.js";
import { gatewaySignInEnv, startScriptedGitHubOAuth, type ScriptedGitHubOAuth } from "../support/github-oauth.js";
import { AGENTS, type AgentSpec } from "./agents.js";
import { cacheRoot, ensureInstalled, helloTask, loopResponder, newLoopState, runProcess, shellEnv, taskProgress } from "./harness.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const SECRET_KEY = `signed-in-agents-${randomBytes(16).toString("hex")}`;
/** The models on every person's seat: a Claude model (Claude Code's default maps onto it), and one Codex is told to use. */
const CLAUDE_MODEL = "claude-sonnet-4.5";
const CODEX_MODEL = "gpt-scripted";
const PEOPLE = ["dana", "eli"];

const log = (line: string) => console.log(`[signed-in] ${line}`);

interface Options {
  keep: boolean;
  timeoutMs: number;
}

function readOptions(): Options {
  const { values } = parseArgs({ options: { keep: { type: "boolean" }, "timeout-seconds": { type: "string" }, help: { type: "boolean", short: "h" } } });
  if (values.help) {
    console.log("usage: tsx tests/agents/signed-in.ts [--keep] [--timeout-seconds N]");
    process.exit(0);
  }
  return { keep: values.keep ?? false, timeoutMs: Number(values["timeout-seconds"] ?? 150) * 1000 };
}

// ---------------------------------------------------------------- a recording proxy

interface Sent {
  method: string;
  path: string;
  status: number;
  /** How the key came: "Authorization: Bearer", "x-api-key", or "none". */
  auth: string;
  /** The key presented (kept in memory only, to compare with the person's). */
  key?: string;
  model?: string;
  userAgent?: string;
}

/** Forwards every request to the gateway untouched (streams included) and notes what came. */
async function recordingProxy(target: string): Promise<{ origin: string; sent: Sent[]; close(): Promise<void> }> {
  const sent: Sent[] = [];
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const record: Sent = { method: req.method ?? "GET", path: req.url ?? "/", status: 0, ...authOf(req.headers) };
      if (typeof req.headers["user-agent"] === "string") record.userAgent = req.headers["user-agent"];
      try {
        const model = (JSON.parse(body.toString("utf8")) as { model?: unknown }).model;
        if (typeof model === "string") record.model = model;
      } catch {
        // not JSON
      }
      sent.push(record);
      const forward = httpRequest(
        { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          record.status = answer.statusCode ?? 0;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", (error) => {
        record.status = 502;
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end(String(error));
      });
      forward.end(body);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function authOf(headers: IncomingHttpHeaders): Pick<Sent, "auth" | "key"> {
  const bearer = /^bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1];
  if (bearer) return { auth: "Authorization: Bearer", key: bearer };
  const apiKey = headers["x-api-key"];
  if (typeof apiKey === "string") return { auth: "x-api-key", key: apiKey };
  return { auth: "none" };
}

// ---------------------------------------------------------------- the run

interface Row {
  person: string;
  agent: string;
  version: string;
  pass: boolean;
  /** Model calls on the scripted Copilot API during the run, and how many carried the person's token. */
  copilotCalls: number;
  onOwnToken: number;
  /** What the agent sent to the gateway: requests by method, path and status, the auth header, the models. */
  sentSummary: string;
  reasons: string[];
  seconds: number;
}

/** Every file under a directory (a HOME), for the secret scan. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Names of environment variables that would carry a key or a GitHub token. */
const CREDENTIAL_ENV = /KEY|TOKEN|SECRET|PASSWORD|AUTH|GH_|GITHUB/i;

async function main(): Promise<number> {
  const options = readOptions();
  const started = Date.now();
  const claude = AGENTS.find((a) => a.id === "claude-code")!;
  const codex = AGENTS.find((a) => a.id === "codex-unknown-model")!;
  const installDir = (agent: AgentSpec) => join(cacheRoot(), `${agent.installName ?? agent.id}@${agent.version}`);
  for (const agent of [claude, codex]) await ensureInstalled(installDir(agent), agent.packages, log);
  const requestsDir = join(cacheRoot(), "requests", "signed-in");
  await mkdir(requestsDir, { recursive: true });

  const github = await startScriptedGitHub({ tokens: {}, models: [CLAUDE_MODEL, CODEX_MODEL] });
  const oauth = await startScriptedGitHubOAuth(github);
  const gatewayHome = await mkdtemp(join(tmpdir(), "cgw-signed-in-gw-"));
  const runsDir = join(cacheRoot(), "runs");
  await mkdir(runsDir, { recursive: true });
  const roots: string[] = [];
  let gateway: GatewayProcess | undefined;
  let proxy: Awaited<ReturnType<typeof recordingProxy>> | undefined;
  const rows: Row[] = [];
  /** What the people's terminals showed: never a GitHub token. */
  const terminal: string[] = [];
  const versions: Record<string, string> = {};
  try {
    gateway = await startGatewayProcess({
      env: { ...gatewaySignInEnv(github, oauth, { home: gatewayHome, secretKey: SECRET_KEY, publicUrl: "https://gateway.example" }), GATEWAY_LOG_LEVEL: "info" },
    });
    proxy = await recordingProxy(gateway.origin);
    log(`gateway process (github mode, sign-in on) at ${gateway.origin}, reached through ${proxy.origin}; scripted GitHub ${oauth.url}, Copilot API ${github.url}`);

    for (const person of PEOPLE) {
      // Outside /tmp: some agents refuse helper files under a temporary directory.
      const root = await mkdtemp(join(runsDir, `signed-in-${person}-`));
      roots.push(root);
      const home = join(root, "home");
      await mkdir(home, { recursive: true });
      const cliEnv = { HOME: home };

      // 1. Sign in once in the terminal: the person approves the device code on GitHub.
      oauth.signInAs({ login: person });
      const login = await runCliProcess(["login", "--url", proxy.origin], cliEnv);
      terminal.push(login.stdout, login.stderr);
      log(`${person}: copilot-gateway login -> exit ${login.code}: ${login.stdout.trim().split("\n").filter((l) => l.startsWith("Signed in")).join("") || login.stderr.trim()}`);
      if (login.code !== 0) throw new Error(`login as ${person} failed: ${login.stderr}`);
      const credentials = JSON.parse(await readFile(join(home, ".config", "copilot-gateway", "credentials.json"), "utf8")) as { key: string; login: string };
      if (credentials.login !== person) throw new Error(`credentials are ${credentials.login}'s, not ${person}'s`);

      // 2. Set the tools up from that key.
      for (const tool of ["claude-code", "codex"]) {
        const setup = await runCliProcess(["setup", tool], cliEnv);
        terminal.push(setup.stdout, setup.stderr);
        if (setup.code !== 0) throw new Error(`setup ${tool} for ${person} failed: ${setup.stderr}`);
        log(`${person}: copilot-gateway setup ${tool} -> ${setup.stdout.trim().split("\n")[0]}`);
      }

      // 3. Each agent, on that HOME alone.
      for (const agent of [claude, codex]) {
        const row = await runAgent(agent, person, root, home, credentials.key, { github, oauth, proxy, installDir: installDir(agent), options, requestsDir });
        versions[agent.label] = agent.version;
        rows.push(row);
        log(`${person} / ${agent.label} ${agent.version}: ${row.pass ? "PASS" : "FAIL"} in ${row.seconds}s — ${row.onOwnToken}/${row.copilotCalls} Copilot calls on ${person}'s token${row.reasons.length ? ` (${row.reasons.join("; ")})` : ""}`);
      }
    }
    // Two people, two seats: the tokens their sign-ins hold are their own, and no terminal ever showed one.
    const tokens = PEOPLE.map((person) => oauth.currentAccessToken(person));
    const problems: string[] = [];
    if (new Set(tokens).size !== PEOPLE.length || tokens.some((t) => !t)) problems.push(`the people's GitHub tokens are not distinct: ${tokens.map((t) => (t ? "set" : "none")).join(", ")}`);
    if (oauth.issuedSecrets().some((secret) => terminal.some((text) => text.includes(secret)))) problems.push("a GitHub token or code was shown in a terminal");
    for (const problem of problems) {
      log(`FAIL: ${problem}`);
      for (const row of rows) {
        row.pass = false;
        row.reasons.push(problem);
      }
    }
  } finally {
    await proxy?.close();
    if (gateway) {
      await writeFile(join(requestsDir, "gateway.stderr.log"), gateway.stderr());
      await gateway.close();
    }
    await oauth.close();
    await github.close();
    await rm(gatewayHome, { recursive: true, force: true });
    for (const root of roots) {
      if (options.keep) log(`kept ${root}`);
      else await rm(root, { recursive: true, force: true });
    }
  }

  const date = new Date().toISOString().slice(0, 10);
  console.log(`\n${renderRows(rows, false)}\n`);
  await writeFile(join(HERE, "SIGNED-IN.md"), renderDoc(rows, date, versions));
  log(`wrote ${join(HERE, "SIGNED-IN.md")}; details in ${requestsDir}; total ${Math.round((Date.now() - started) / 1000)}s`);
  return rows.length === PEOPLE.length * 2 && rows.every((r) => r.pass) ? 0 : 1;
}

interface RunContext {
  github: ScriptedGitHub;
  oauth: ScriptedGitHubOAuth;
  proxy: { sent: Sent[] };
  installDir: string;
  options: Options;
  requestsDir: string;
}

async function runAgent(agent: AgentSpec, person: string, root: string, home: string, key: string, ctx: RunContext): Promise<Row> {
  const { github, oauth, proxy, installDir, options } = ctx;
  const workDir = join(root, `work-${agent.id}`);
  await mkdir(workDir, { recursive: true });
  const { task, prompt } = helloTask(workDir, `hello from ${person} with ${agent.id} on their own seat\n`, `All done: hello.txt is written and \`cat hello.txt\` printed it (${agent.id}, ${person}).`);
  // The person's shell: nothing that names the gateway, a key or a token.
  const env = shellEnv(home);
  const bin = (name: string) => join(installDir, "node_modules", ".bin", name);
  let command: string;
  let args: string[];
  if (agent.id === "claude-code") {
    // Housekeeping only: no auto-update, telemetry or other outside traffic.
    Object.assign(env, { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", DISABLE_AUTOUPDATER: "1", DISABLE_TELEMETRY: "1", DISABLE_ERROR_REPORTING: "1" });
    command = bin("claude");
    // No --model: Claude Code asks for its own default, which the gateway maps onto a Claude model of the seat.
    args = ["-p", prompt, "--permission-mode", "acceptEdits", "--allowedTools", "Write,Edit,Bash", "--output-format", "text", "--max-turns", "10"];
  } else {
    command = bin("codex");
    const probe = await runProcess({ command, args: ["sandbox", "--", "/bin/true"], cwd: workDir, env, timeoutMs: 20_000 });
    const sandbox = probe.code === 0 ? "workspace-write" : "danger-full-access";
    // setup leaves the model to the person (it names none): they pick one of the gateway's /v1/models, as here.
    args = ["exec", "--skip-git-repo-check", "--color", "never", "-s", sandbox, "-m", CODEX_MODEL, "-c", "check_for_update_on_startup=false", "-c", "analytics.enabled=false", prompt];
  }

  const reasons: string[] = [];
  // No key and no GitHub token in the agent's environment...
  const suspicious = Object.keys(env).filter((name) => CREDENTIAL_ENV.test(name));
  if (suspicious.length) reasons.push(`credential-like variables in the agent's environment: ${suspicious.join(", ")}`);
  // ...and none of the person's GitHub tokens (access or refresh) anywhere in their HOME; the key only in the tools' configs and credentials.json.
  const githubSecrets = oauth.issuedSecrets();
  // The scan looks for something: the token the person's sign-in holds is among them.
  if (!githubSecrets.includes(oauth.currentAccessToken(person) ?? "")) reasons.push(`no GitHub token was issued to ${person} to look for`);
  const keyFiles: string[] = [];
  for (const file of await filesUnder(home)) {
    const text = await readFile(file, "utf8").catch(() => "");
    if (githubSecrets.some((secret) => text.includes(secret)) || /\bgh[uopr]_[A-Za-z0-9]{20,}/.test(text)) reasons.push(`a GitHub token in ${file}`);
    if (text.includes(key)) keyFiles.push(file.slice(home.length + 1));
  }
  const expectedKeyFiles = [".claude/settings.json", ".codex/config.toml", ".config/copilot-gateway/credentials.json"];
  if (keyFiles.sort().join() !== expectedKeyFiles.join()) reasons.push(`the key is in ${keyFiles.join(", ") || "no file"}, expected ${expectedKeyFiles.join(", ")}`);
  if (Object.values(env).some((value) => value.includes(key) || githubSecrets.some((secret) => value.includes(secret)))) reasons.push("a key or token in the agent's environment");

  const firstCall = github.chatCalls().length;
  const firstSent = proxy.sent.length;
  const state = newLoopState();
  github.respond(loopResponder(agent.id, agent.plan, task, state, agent.sideAnswer ?? (() => "OK")));
  log(`${person} / ${agent.label}: ${[command, ...args.map((a) => (a === prompt ? "<prompt>" : a))].join(" ")}`);
  const result = await runProcess({ command, args, env, cwd: workDir, timeoutMs: options.timeoutMs });
  const exit = result.timedOut ? `timed out after ${options.timeoutMs / 1000}s` : result.code === 0 ? "" : `exit ${result.code ?? result.signal}`;

  const calls = github.chatCalls().slice(firstCall);
  const ownToken = oauth.currentAccessToken(person);
  const onOwnToken = calls.filter((call) => call.login === person && call.token === ownToken).length;
  const sent = proxy.sent.slice(firstSent);
  const { written, fileWritten, commandRun, answered } = await taskProgress(task, state, result.stdout);
  if (exit) reasons.push(exit);
  if (!fileWritten) reasons.push(written ? `hello.txt has ${JSON.stringify(written.slice(0, 80))}` : "hello.txt not written");
  if (!commandRun) reasons.push("the output of `cat hello.txt` never reached the model");
  if (!answered && !exit) reasons.push("final answer not printed");
  if (calls.length === 0) reasons.push("no model call reached the scripted Copilot API");
  if (onOwnToken !== calls.length) reasons.push(`${calls.length - onOwnToken} Copilot calls were not on ${person}'s token (made as ${[...new Set(calls.map((c) => c.login ?? "unknown"))].join(", ")})`);
  const modelSent = sent.filter((s) => s.method === "POST" && /^\/v1\/(messages|responses|chat\/completions)(\?|$)/.test(s.path));
  const otherKeys = sent.filter((s) => s.key !== undefined && s.key !== key);
  if (otherKeys.length) reasons.push(`${otherKeys.length} requests presented a key other than ${person}'s`);
  if (modelSent.length === 0) reasons.push("the agent sent no model request to the gateway");
  const failedSent = sent.filter((s) => s.status >= 400);
  for (const s of failedSent.slice(0, 2)) reasons.push(`gateway ${s.status} on ${s.method} ${s.path}`);
  if (exit && (result.stderr || result.stdout)) reasons.push(`output: ${(result.stderr.trim() || result.stdout.trim()).split("\n").slice(-3).join(" / ").slice(0, 300)}`);
  reasons.push(...state.notes);

  const counts = new Map<string, number>();
  for (const s of sent) {
    const label = `${s.method} ${s.path.split("?")[0]} ${s.status}`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const auths = [...new Set(sent.map((s) => `${s.auth}${s.key === key ? ` (${person}'s sk-cgw- key)` : ""}`))];
  const models = [...new Set(modelSent.map((s) => s.model).filter(Boolean))];
  const agents = [...new Set(sent.map((s) => s.userAgent?.split(" ")[0]).filter(Boolean))];
  const served = [...new Set(calls.map((c) => c.body.model))];
  const sentSummary = `${[...counts].map(([label, n]) => `${label} ×${n}`).join(", ")}; auth: ${auths.join(", ")}; model asked: ${models.join(", ") || "-"} (Copilot called with ${served.join(", ") || "-"}); user-agent: ${agents.join(", ") || "-"}`;

  const stem = `${person}.${agent.id}`;
  await writeFile(join(ctx.requestsDir, `${stem}.sent.json`), JSON.stringify(sent.map(({ key: k, ...s }) => ({ ...s, key: k === key ? "<person's key>" : k ? "<other>" : undefined })), null, 2));
  await writeFile(join(ctx.requestsDir, `${stem}.copilot.json`), JSON.stringify(calls.map((c) => ({ login: c.login, ownToken: c.token === ownToken, model: c.body.model, tools: c.body.tools?.length ?? 0 })), null, 2));
  await writeFile(join(ctx.requestsDir, `${stem}.stdout.txt`), result.stdout);
  await writeFile(join(ctx.requestsDir, `${stem}.stderr.txt`), result.stderr);

  const pass = reasons.filter((r) => !state.notes.includes(r)).length === 0 && fileWritten && commandRun && answered && calls.length > 0 && onOwnToken === calls.length;
  return { person, agent: agent.label, version: agent.version, pass, copilotCalls: calls.length, onOwnToken, sentSummary, reasons, seconds: Math.round(result.ms / 1000) };
}

function renderRows(rows: Row[], markdown: boolean): string {
  const head = ["Person", "Agent", "Version", "Result", "Copilot calls on own token", "Notes"];
  const cells = rows.map((r) => [r.person, r.agent, r.version, r.pass ? "PASS" : "FAIL", `${r.onOwnToken}/${r.copilotCalls}`, r.reasons.join("; ")]);
  if (markdown) {
    const esc = (cell: string) => cell.replace(/\|/g, "\\|");
    return [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...cells.map((c) => `| ${c.map(esc).join(" | ")} |`)].join("\n");
  }
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((cell, i) => (i === c.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
  return ["signed-in agents", line(head), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

function renderDoc(rows: Row[], date: string, versions: Record<string, string>): string {
  return [
    "# Real agents on a signed-in person's own seat",
    "",
    `Generated by \`npm run test:agents:signed-in\` (tests/agents/signed-in.ts) on ${date}. What it shows:`,
    '*a person signs in once in the terminal, gets a key, and uses Claude Code or Codex on',
    "their own seat without touching a GitHub token.*",
    "",
    "One gateway process in `GATEWAY_AUTH=github` mode with sign-in on; GitHub scripted on loopback",
    "(the GitHub App's device flow, `tests/support/github-oauth.ts`; GitHub's and Copilot's API,",
    "`tests/support/github-api.ts`). For each of two people (dana, eli), with a HOME of their own:",
    "`copilot-gateway login --url <gateway>` (the person approves the device code on the scripted GitHub),",
    "then `copilot-gateway setup claude-code` and `setup codex`, then the agents below, non-interactive,",
    "with that HOME only: no key and no GitHub token in their environment, none of the person's GitHub",
    "tokens in any file of the HOME (checked), the personal key only in credentials.json and the two",
    "tools' configs. The model (the scripted Copilot API) plays the matrix's loop: write `hello.txt`",
    "with the agent's tool, run `cat hello.txt` with its shell tool, answer. PASS: the loop completed,",
    "the agent exited 0 with the answer, and every Copilot model call made during its run carried",
    "that person's own GitHub token (the one their sign-in holds).",
    `Each seat has \`${CLAUDE_MODEL}\` and \`${CODEX_MODEL}\`. Claude Code runs with no model named (it asks for its own default,`,
    `which the gateway maps onto the seat's Claude model); Codex is given \`-m ${CODEX_MODEL}\` (setup names no model for Codex`,
    "and says to pick one from the gateway's /v1/models).",
    "",
    `Versions: ${Object.entries(versions).map(([label, version]) => `${label} ${version}`).join(", ")}.`,
    "",
    renderRows(rows, true),
    "",
    "## What each agent sent to the gateway",
    "",
    ...rows.map((r) => `- **${r.person} / ${r.agent}**: ${r.sentSummary}`),
    "",
  ].join("\n");
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
