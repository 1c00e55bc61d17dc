// Starts a Copilot runtime as a `--headless` TCP server, the way a shared
// runtime is run in production (`copilot --headless --port 4321`): by default
// the runtime bundled in the SDK's platform package, or, with
// `binary: "cli"`, the GitHub Copilot CLI from npm (`@github/copilot`, pinned
// in devDependencies) through its `copilot` command.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface HeadlessRuntime {
  /** host:port for COPILOT_CLI_URL. */
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface HeadlessOptions {
  /** The runtime's COPILOT_HOME (its session state), e.g. a directory shared with the gateway. */
  home?: string;
  /** "bundled" (default): the SDK's own runtime binary. "cli": the npm `copilot` command. */
  binary?: "bundled" | "cli";
  /** The port to listen on (a runtime coming back where it was); a free one by default. */
  port?: number;
  /** ("cli" only) The connection token clients must present (COPILOT_CONNECTION_TOKEN); none by default. */
  token?: string;
}

const require = createRequire(import.meta.url);

export function bundledRuntimePath(): string {
  const platform = `${process.platform}-${process.arch}`;
  const packageJson = require.resolve(`@github/copilot-sdk-${platform}/package.json`);
  return join(dirname(packageJson), "prebuilds", platform, "copilot-runtime");
}

/** The npm CLI's `copilot` command (its package.json "bin") and the version pinned in node_modules. */
export function copilotCli(): { path: string; version: string } {
  // Found by lookup, not require.resolve: some CLI versions have an "exports" map without ./package.json.
  const packageJsonPath = require.resolve
    .paths("@github/copilot")
    ?.map((dir) => join(dir, "@github", "copilot", "package.json"))
    .find((path) => existsSync(path));
  if (!packageJsonPath) throw new Error("@github/copilot is not installed (npm ci installs it as a devDependency)");
  const pkg = JSON.parse(readFileSync(packageJsonPath, "utf8")) as { version: string; bin: string | Record<string, string> };
  const bin = typeof pkg.bin === "string" ? pkg.bin : pkg.bin["copilot"];
  if (!bin) throw new Error("@github/copilot has no `copilot` bin");
  return { path: join(dirname(packageJsonPath), bin), version: pkg.version };
}

// Both servers print "… listening on port N" once they accept connections.
const headlessArgs = (port = 0) => ["--headless", "--no-auto-update", "--no-auto-login", "--port", String(port)];

export function startHeadlessRuntime(options: HeadlessOptions = {}): Promise<HeadlessRuntime> {
  return options.binary === "cli" ? startCli(options.home, options.port, options.token) : startBundled(options.home, options.port);
}

function startBundled(home: string | undefined, port: number | undefined): Promise<HeadlessRuntime> {
  const child = spawn(bundledRuntimePath(), headlessArgs(port), {
    stdio: ["ignore", "pipe", "pipe"],
    ...(home ? { env: { ...process.env, COPILOT_HOME: home } } : {}),
  });
  const stop = () =>
    new Promise<void>((done) => {
      // A child killed by a signal has no exit code, only its signal.
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once("exit", () => done());
      child.kill("SIGTERM");
    });
  return awaitListening(child, stop, () => child.kill("SIGKILL"), 10_000);
}

/**
 * The npm `copilot` command is a Node loader (npm-loader.js) that runs the
 * platform package's native binary with spawnSync: a SIGTERM to the loader
 * alone would orphan the server. So it runs in its own process group and
 * stop() signals the whole group and waits until the group is gone.
 */
function startCli(home: string | undefined, port: number | undefined, token: string | undefined): Promise<HeadlessRuntime> {
  const env: NodeJS.ProcessEnv = { ...process.env, COPILOT_AUTO_UPDATE: "false" };
  // Only the token the test asks for: one from the environment would refuse every client without it.
  delete env["COPILOT_CONNECTION_TOKEN"];
  if (token) env["COPILOT_CONNECTION_TOKEN"] = token;
  if (home) env["COPILOT_HOME"] = home;
  const child = spawn(process.execPath, [copilotCli().path, ...headlessArgs(port)], { stdio: ["ignore", "pipe", "pipe"], env, detached: true });
  const group = child.pid!;
  const signalGroup = (signal: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-group, signal);
      return true;
    } catch {
      return false; // ESRCH: nothing left in the group
    }
  };
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (!signalGroup("SIGTERM")) return;
      const deadline = Date.now() + 5_000;
      while (signalGroup(0)) {
        if (Date.now() > deadline) {
          signalGroup("SIGKILL");
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })());
  // The first launch of a CLI version unpacks it into the user's cache (~/.cache/copilot/pkg), which takes a few seconds.
  return awaitListening(child, stop, () => signalGroup("SIGKILL"), 20_000);
}

function awaitListening(child: ChildProcess, stop: () => Promise<void>, kill: () => void, timeoutMs: number): Promise<HeadlessRuntime> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`headless runtime did not start: ${output}`));
    }, timeoutMs);
    const onData = (data: Buffer) => {
      output += data.toString();
      const port = output.match(/listening on port (\d+)/)?.[1];
      if (!port) return;
      clearTimeout(timer);
      resolve({ url: `127.0.0.1:${port}`, process: child, stop });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`headless runtime exited with ${code}: ${output}`));
    });
  });
}
