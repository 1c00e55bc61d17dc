// A process on one of the topology's hosts: `ip netns exec` runs it in the
// host's namespace (it execs, so the child's pid is the program's own and
// signals reach it directly). Its output is kept for the test to read and
// shown when it fails to start.
import { spawn, type ChildProcess } from "node:child_process";

export interface HostProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits or `timeoutMs` passes first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Sends the signal unless it has exited; resolves when it has. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startInNamespace(namespace: string, command: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string) => void } = {}): HostProcess {
  const child = spawn("ip", ["netns", "exec", namespace, ...command], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let partial = "";
  const listeners = new Set<() => void>();
  const take = (data: Buffer) => {
    const text = data.toString();
    output += text;
    if (options.onLine) {
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines) options.onLine(line);
    }
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", take);
  child.stderr!.on("data", take);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (!match) return;
          done();
          resolve(match);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${command.join(" ")} in ${namespace}: no ${pattern} within ${timeoutMs} ms:\n${output.slice(-4000)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          done();
          reject(new Error(`${command.join(" ")} in ${namespace} exited with ${code}:\n${output.slice(-4000)}`));
        });
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (running()) child.kill(signal);
      return exited;
    },
  };
}
