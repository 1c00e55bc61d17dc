// Starts the Copilot runtime bundled in the SDK's platform package as a
// `--headless` TCP server, the way a shared runtime is run in production
// (`copilot --headless --port 4321`).
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface HeadlessRuntime {
  /** host:port for COPILOT_CLI_URL. */
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function bundledRuntimePath(): string {
  const platform = `${process.platform}-${process.arch}`;
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve(`@github/copilot-sdk-${platform}/package.json`);
  return join(dirname(packageJson), "prebuilds", platform, "copilot-runtime");
}

/** `home`: the runtime's COPILOT_HOME (its session state), e.g. a directory shared with the gateway. */
export function startHeadlessRuntime(options: { home?: string } = {}): Promise<HeadlessRuntime> {
  const child = spawn(bundledRuntimePath(), ["--headless", "--no-auto-update", "--no-auto-login", "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.home ? { env: { ...process.env, COPILOT_HOME: options.home } } : {}),
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`headless runtime did not start: ${output}`));
    }, 10_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      const port = output.match(/listening on port (\d+)/)?.[1];
      if (!port) return;
      clearTimeout(timer);
      resolve({
        url: `127.0.0.1:${port}`,
        process: child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`headless runtime exited with ${code}: ${output}`));
    });
  });
}
