// The machinery of `npm run test:agents`: installing pinned agent versions
// into a cache directory, a recording front door for the gateway, running an
// agent process with a deadline, and the scripted "model" that drives every
// agent through the same tool loop (write hello.txt, run a command, answer).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import type { TestGateway } from "../support/gateway.js";
import type { Responder, Script, UpstreamMessage, UpstreamRequest } from "../support/upstream.js";
import { contentText } from "../support/upstream.js";

// ---------------------------------------------------------------- install

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return process.env.COPILOT_GATEWAY_AGENTS_CACHE || join(base, "copilot-gateway-agents");
}

/** `npm install --prefix <dir> <packages>` once per pinned version; later runs reuse the directory. */
export async function ensureInstalled(dir: string, packages: string[], log: (line: string) => void): Promise<void> {
  const marker = join(dir, ".installed.json");
  const wanted = JSON.stringify(packages);
  if (existsSync(marker) && (await readFile(marker, "utf8")) === wanted) return;
  await mkdir(dir, { recursive: true });
  log(`installing ${packages.join(" ")} into ${dir}`);
  const result = await runProcess({
    command: "npm",
    args: ["install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error", ...packages],
    cwd: dir,
    env: process.env as Record<string, string>,
    timeoutMs: 8 * 60_000,
  });
  if (result.code !== 0) throw new Error(`npm install ${packages.join(" ")} failed (${result.code}): ${result.stderr.slice(-2000)}`);
  await writeFile(marker, wanted);
}

// ---------------------------------------------------------------- processes

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface ProcessSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
}

/** Runs a process in its own process group; at the deadline the whole group is ended. */
export function runProcess(spec: ProcessSpec): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout!.on("data", (data: Buffer) => (stdout += data.toString()));
    child.stderr!.on("data", (data: Buffer) => (stderr += data.toString()));
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup("SIGTERM");
      setTimeout(() => killGroup("SIGKILL"), 5_000).unref();
    }, spec.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut, stdout, stderr: `${stderr}${error.message}`, ms: performance.now() - started });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      // Leave no background helper of the agent behind.
      killGroup("SIGKILL");
      resolve({ code, signal, timedOut, stdout, stderr, ms: performance.now() - started });
    });
  });
}

// ---------------------------------------------------------------- recording front door

export interface GatewayExchange {
  at: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  status: number;
  /** The response body of a non-2xx answer (an error the gateway gave). */
  errorBody?: string;
}

const SECRET_HEADERS = new Set(["authorization", "x-api-key", "api-key", "cookie"]);

/**
 * Serves the gateway's app on 127.0.0.1 behind a thin wrapper that records
 * every request the agents send (headers, JSON body) and the body of every
 * error answer, without touching the streams of successful ones.
 */
export async function recordingFrontDoor(gw: TestGateway): Promise<{ origin: string; exchanges: GatewayExchange[]; close(): Promise<void> }> {
  const exchanges: GatewayExchange[] = [];
  const server = await new Promise<ServerType>((resolve) => {
    const started: ServerType = serve(
      {
        hostname: "127.0.0.1",
        port: 0,
        fetch: async (request: Request) => {
          const url = new URL(request.url);
          const text = request.method === "GET" || request.method === "HEAD" ? "" : await request.clone().text();
          const headers: Record<string, string> = {};
          request.headers.forEach((value, key) => (headers[key] = SECRET_HEADERS.has(key) ? `<${value.length} chars>` : value));
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // keep the text
          }
          const exchange: GatewayExchange = { at: new Date().toISOString(), method: request.method, path: url.pathname + url.search, headers, body, status: 0 };
          exchanges.push(exchange);
          const response = await gw.app.fetch(request);
          exchange.status = response.status;
          if (response.status >= 400) exchange.errorBody = await response.clone().text();
          return response;
        },
      },
      () => resolve(started),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    exchanges,
    close: async () => {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Dialect = "/v1/messages" | "/v1/responses" | "/v1/chat/completions";

/** The model requests among an agent's exchanges (count_tokens and the like left out). */
export function modelRequests(exchanges: GatewayExchange[]): Array<GatewayExchange & { dialect: Dialect }> {
  const out: Array<GatewayExchange & { dialect: Dialect }> = [];
  for (const exchange of exchanges) {
    if (exchange.method !== "POST") continue;
    const path = exchange.path.split("?")[0]!.replace(/\/$/, "");
    const dialect = (["/v1/messages", "/v1/responses", "/v1/chat/completions"] as const).find((d) => path === d || path === d.slice(3));
    if (dialect) out.push({ ...exchange, dialect });
  }
  return out;
}

// ---------------------------------------------------------------- what a request holds

export interface RequestShape {
  dialect: Dialect;
  model: string;
  stream: boolean;
  /** Tool `type` → count (Anthropic custom tools without a type count as "(none)"). */
  toolTypes: Record<string, number>;
  toolNames: string[];
  /** Responses: input item types; Messages: content block types; Chat: message roles and part types. */
  itemTypes: Record<string, number>;
  /** The item types of all the agent's model requests together (tool calls and results show up there). */
  allItemTypes?: string[];
  /** Model requests before this one that offered no tools (titles and the like). */
  precededBy?: number;
  /** Top-level body keys. */
  keys: string[];
  /** Tool fields beyond the usual name/description/schema (Claude Code's `defer_loading`, Codex's `execution`…) → count. */
  toolFields: Record<string, number>;
  headers: Record<string, string>;
}

const USUAL_TOOL_FIELDS = new Set(["type", "name", "description", "input_schema", "parameters", "function", "strict", "format", "tools"]);

/** Headers whose values change on every run: shown by name only. */
export const VOLATILE_HEADER = /(^|-)(id|metadata)$|request-id|session|window/;

const NOTABLE_HEADERS = /^(user-agent|anthropic-|openai-|x-stainless-lang|x-stainless-package|originator|session_id|x-app|x-client|x-codex|version|conversation_id|chatgpt|x-title|http-referer)/;

/** Responses: input item types; Messages: content block types by role; Chat: roles and content part types. */
export function itemTypesOf(exchange: GatewayExchange & { dialect: Dialect }): Record<string, number> {
  const body = (exchange.body ?? {}) as Record<string, unknown>;
  const itemTypes: Record<string, number> = {};
  const bump = (key: string) => (itemTypes[key] = (itemTypes[key] ?? 0) + 1);
  if (exchange.dialect === "/v1/responses") {
    const input = body.input;
    if (typeof input === "string") bump("(string)");
    for (const item of Array.isArray(input) ? (input as Array<Record<string, unknown>>) : []) {
      const type = typeof item.type === "string" ? item.type : "(no type)";
      bump(type === "message" || type === "(no type)" ? `${type}:${String(item.role)}` : type);
      if (Array.isArray(item.content)) for (const part of item.content as Array<{ type?: string }>) bump(`  part:${part.type}`);
    }
  } else if (exchange.dialect === "/v1/messages") {
    if (body.system !== undefined) bump(Array.isArray(body.system) ? "system:blocks" : "system:string");
    for (const message of (body.messages as Array<{ role: string; content: unknown }> | undefined) ?? []) {
      if (typeof message.content === "string") bump(`${message.role}:string`);
      else for (const block of (message.content as Array<{ type?: string }>) ?? []) bump(`${message.role}:${block.type}`);
    }
  } else {
    for (const message of (body.messages as Array<{ role: string; content: unknown; tool_calls?: unknown[] }> | undefined) ?? []) {
      if (typeof message.content === "string" || message.content == null) bump(message.tool_calls ? `${message.role}(tool_calls)` : message.role);
      else for (const part of (message.content as Array<{ type?: string }>) ?? []) bump(`${message.role}:${part.type}`);
    }
  }
  return itemTypes;
}

export function requestShape(exchange: GatewayExchange & { dialect: Dialect }): RequestShape {
  const body = (exchange.body ?? {}) as Record<string, unknown>;
  const toolTypes: Record<string, number> = {};
  const toolNames: string[] = [];
  const bump = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);
  const toolFields: Record<string, number> = {};
  for (const tool of (body.tools as Array<Record<string, unknown>> | undefined) ?? []) {
    bump(toolTypes, typeof tool.type === "string" ? tool.type : "(none)");
    for (const key of Object.keys(tool)) if (!USUAL_TOOL_FIELDS.has(key)) bump(toolFields, key);
    const fn = tool.function as { name?: string } | undefined;
    const name = (tool.name as string | undefined) ?? fn?.name ?? `(${String(tool.type)}, no name)`;
    if (tool.type === "namespace") {
      const members = (tool.tools as Array<Record<string, unknown>> | undefined) ?? [];
      toolNames.push(`${name}{${members.map((m) => `${String(m.name)}:${String(m.type)}`).join(",")}}`);
    } else toolNames.push(name);
  }
  const itemTypes = itemTypesOf(exchange);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(exchange.headers)) if (NOTABLE_HEADERS.test(key)) headers[key] = value;
  return {
    dialect: exchange.dialect,
    model: String(body.model),
    stream: body.stream === true,
    toolTypes,
    toolNames,
    itemTypes,
    keys: Object.keys(body),
    toolFields,
    headers,
  };
}

// ---------------------------------------------------------------- the scripted model

export interface OfferedTool {
  name: string;
  description: string;
  parameters: JsonSchema;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  [key: string]: unknown;
}

export interface LoopTask {
  /** Absolute path of the agent's working directory. */
  workDir: string;
  fileName: string;
  content: string;
  command: string;
  /** Marker text of the final answer. */
  finalText: string;
}

/** The loop's task in `workDir` (write hello.txt with `content`, cat it, answer `finalText`) and the prompt that asks for it. */
export function helloTask(workDir: string, content: string, finalText: string): { task: LoopTask; prompt: string } {
  const task: LoopTask = { workDir, fileName: "hello.txt", content, command: "cat hello.txt", finalText };
  const prompt = `Create a file named hello.txt in the current directory containing the line "${content.trimEnd()}", then run \`cat hello.txt\` and tell me what it printed.`;
  return { task, prompt };
}

/** A plain shell's environment around `home`: PATH, HOME and the usual, nothing that names a gateway, key or token. */
export function shellEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    USER: process.env.USER ?? "root",
    SHELL: "/bin/bash",
    LANG: "C.UTF-8",
    TERM: "dumb",
    NO_COLOR: "1",
    TMPDIR: tmpdir(),
  };
}

/** How far the task got: the file on disk (and what it holds), the command's output back to the model, the answer printed. */
export async function taskProgress(task: LoopTask, state: LoopState, stdout: string): Promise<{ written: string; fileWritten: boolean; commandRun: boolean; answered: boolean }> {
  let written = "";
  try {
    written = await readFile(join(task.workDir, task.fileName), "utf8");
  } catch {
    // not written
  }
  return {
    written,
    fileWritten: written.trimEnd() === task.content.trimEnd(),
    commandRun: (state.results.shell ?? "").includes(task.content.trim()),
    answered: stdout.includes(task.finalText.slice(0, 40)),
  };
}

/** How an agent's tool loop is played: which of its tools to call, and with what arguments. */
export interface ToolPlan {
  /** Candidate file-writing tools, preferred first, by the name the model is offered. */
  write: string[];
  /** Candidate shell tools, preferred first. */
  shell: string[];
  writeArgs?(tool: OfferedTool, task: LoopTask): Record<string, unknown>;
  shellArgs?(tool: OfferedTool, task: LoopTask): Record<string, unknown>;
}

export interface LoopState {
  /** Tool call ids the scripted model issued → what for. */
  issued: Map<string, "write" | "shell" | "server">;
  /** Upstream calls that offered the agent's tools (the loop). */
  loopCalls: number;
  writeTool?: string;
  shellTool?: string;
  /** The tool result text the model received for each step (the latest, for a repeated step). */
  results: { write?: string; shell?: string; server?: string };
  shellCalls: number;
  notes: string[];
}

export function newLoopState(): LoopState {
  return { issued: new Map(), loopCalls: 0, results: {}, shellCalls: 0, notes: [] };
}

function offeredTools(request: UpstreamRequest): OfferedTool[] {
  return (request.tools ?? []).map((tool) => ({
    name: tool.function.name,
    description: tool.function.description ?? "",
    parameters: (tool.function.parameters ?? {}) as JsonSchema,
  }));
}

function pick(tools: OfferedTool[], names: string[]): OfferedTool | undefined {
  for (const name of names) {
    const found = tools.find((tool) => tool.name === name);
    if (found) return found;
  }
  return undefined;
}

/**
 * Fills a tool's arguments from its JSON schema by property name: a path
 * property gets the file's absolute path, a content property the content, a
 * command property the command (an argv array where the schema wants one),
 * any other required string a short description.
 */
export function fillArgs(tool: OfferedTool, values: { path?: string; content?: string; command?: string }): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const required = new Set(tool.parameters.required ?? []);
  for (const [key, schema] of Object.entries(tool.parameters.properties ?? {})) {
    const k = key.toLowerCase();
    const isArray = schema.type === "array" || (Array.isArray(schema.type) && schema.type.includes("array"));
    if (values.path !== undefined && /^(file_?path|filepath|path|file|filename|file_name|target_file|absolute_path)$/.test(k)) args[key] = values.path;
    else if (values.content !== undefined && /^(content|contents|text|file_text|filecontent|file_content)$/.test(k)) args[key] = values.content;
    else if (values.command !== undefined && /^(command|cmd|commands|script)$/.test(k)) args[key] = isArray ? ["bash", "-lc", values.command] : values.command;
    else if (required.has(key)) {
      if (schema.enum?.length) args[key] = schema.enum[0];
      else if (schema.type === "boolean") args[key] = false;
      else if (schema.type === "number" || schema.type === "integer") args[key] = 30;
      else args[key] = /desc|explan|reason|title|summary/.test(k) ? "Step of the scripted compatibility test" : "";
    }
  }
  return args;
}

/**
 * The scripted model for one agent: on a request offering the agent's tools,
 * it calls the write tool until a result for that call comes back, then the
 * shell tool, then answers with `finalText`. Requests without those tools
 * (title generation, summaries, classifiers) get a short plain answer.
 */
export function loopResponder(id: string, plan: ToolPlan, task: LoopTask, state: LoopState, sideAnswer: (request: UpstreamRequest) => string): Responder {
  let counter = 0;
  return (request): Script => {
    const tools = offeredTools(request);
    const write = pick(tools, plan.write);
    const shell = pick(tools, plan.shell);
    if (!write && !shell) return { steps: [{ text: sideAnswer(request) }] };
    state.loopCalls++;
    collectResults(request.messages, state);
    const filePath = join(task.workDir, task.fileName);
    const call = (purpose: "write" | "shell" | "server", tool: OfferedTool, args: Record<string, unknown>): Script => {
      const callId = `call_${id.replace(/[^a-z0-9]/gi, "")}_${purpose}_${++counter}`;
      state.issued.set(callId, purpose);
      if (purpose === "write") state.writeTool = tool.name;
      else if (purpose === "shell") state.shellTool = tool.name;
      const said = { write: `I'll create ${task.fileName}.`, shell: `Now I'll run \`${task.command}\`.`, server: "Let me log that with the company's tool." }[purpose];
      return { steps: [{ text: said }, { toolCall: { id: callId, name: tool.name, arguments: JSON.stringify(args) } }] };
    };
    if (state.loopCalls > 8) {
      state.notes.push("loop cut after 8 model calls");
      return { steps: [{ text: `${task.finalText} (cut short)` }] };
    }
    if (state.results.write === undefined) {
      if (write) return call("write", write, plan.writeArgs?.(write, task) ?? fillArgs(write, { path: filePath, content: task.content }));
      // No file tool offered: write it with the shell.
      const note = "no file-writing tool offered: hello.txt written with the shell tool";
      if (!state.notes.includes(note)) state.notes.push(note);
      const printf = `printf '%s\\n' '${task.content.trimEnd()}' > ${task.fileName}`;
      return call("write", shell!, plan.shellArgs?.(shell!, { ...task, command: printf }) ?? fillArgs(shell!, { command: printf }));
    }
    const shellOk = state.results.shell?.includes(task.content.trim()) ?? false;
    if (shell && !shellOk && state.shellCalls < 2) {
      // A model would try once more when the command printed nothing useful; the matrix notes it.
      if (state.shellCalls === 1) state.notes.push(`the first \`${task.command}\` returned ${JSON.stringify((state.results.shell ?? "").slice(0, 120))}; ran it again`);
      state.shellCalls++;
      return call("shell", shell, plan.shellArgs?.(shell, task) ?? fillArgs(shell, { command: task.command }));
    }
    // Last, a tool of the gateway's own MCP server: the runtime runs it inside the turn, the agent never sees the call.
    const server = tools.find((tool) => tool.name === SERVER_TOOL);
    if (server && state.results.server === undefined && state.loopCalls <= 8) return call("server", server, { message: serverToolMessage(id) });
    return { steps: [{ text: task.finalText }] };
  };
}

/** The gateway's MCP server tool the loop calls last (server-everything's echo, granted to every caller in the matrix). */
export const SERVER_TOOL = "everything-echo";

export function serverToolMessage(agentId: string): string {
  return `${agentId} finished its loop`;
}

function collectResults(messages: UpstreamMessage[], state: LoopState): void {
  for (const message of messages) {
    if (message.role !== "tool" || !message.tool_call_id) continue;
    const purpose = state.issued.get(message.tool_call_id);
    if (purpose) state.results[purpose] = contentText(message.content);
  }
}

// ---------------------------------------------------------------- the matrix

export interface AgentOutcome {
  id: string;
  label: string;
  version: string;
  dialects: Dialect[];
  fileWritten: boolean;
  commandRun: boolean;
  /** The gateway's MCP server ran the loop's last call, and its result reached the model. */
  serverToolRan: boolean;
  turns: number;
  pass: boolean;
  seconds: number;
  tools: string;
  reason: string;
}

export function renderMatrix(outcomes: AgentOutcome[], date: string, markdown: boolean): string {
  const yes = (v: boolean) => (v ? "yes" : "no");
  const head = ["Agent", "Version", "Dialect", "File written", "Command run", "Server tool ran", "Turns", "Result", "Tools used", "Notes"];
  const rows = outcomes.map((o) => [
    o.label,
    o.version,
    o.dialects.join(", ") || "-",
    yes(o.fileWritten),
    yes(o.commandRun),
    yes(o.serverToolRan),
    String(o.turns),
    o.pass ? "PASS" : "FAIL",
    o.tools || "-",
    o.reason || "",
  ]);
  if (markdown) {
    const esc = (cell: string) => cell.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`)].join("\n");
  }
  const widths = head.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  return [`agent compatibility matrix, ${date}`, line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
