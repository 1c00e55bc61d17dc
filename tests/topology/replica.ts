// A gateway replica on its own host: `node --import tsx src/main.ts` in the
// host's namespace, on port 3000 of the host's address, with its own data
// directory and HOME (so its own embedded runtime and session state), BYOK to
// the scripted model in the root namespace and PostgreSQL over its own link.
// `start()` may be called again after a stop or a kill: the same host comes
// back on the same data directory, as a restarted pod or VM would.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { watchLogLine } from "../support/log-watch.js";
import { ENTRY } from "../support/gateway-process.js";
import { startInNamespace, type HostProcess } from "./host-process.js";
import { PREFIX, type Host } from "./network.js";

export const GATEWAY_PORT = 3000;

export interface ReplicaSetup {
  host: Host;
  databaseUrl: string;
  upstreamUrl: string;
  adminKey: string;
  env?: Record<string, string>;
}

export class Replica {
  readonly origin: string;
  readonly dataDir: string;
  private process: HostProcess | undefined;
  /** The output of every process this replica has run, oldest first. */
  private earlier = "";

  constructor(private readonly setup: ReplicaSetup) {
    this.origin = `http://${setup.host.address}:${GATEWAY_PORT}`;
    this.dataDir = mkdtempSync(join(tmpdir(), `${PREFIX}${setup.host.name}-`));
  }

  get name(): string {
    return this.setup.host.name;
  }

  get pid(): number | undefined {
    return this.process?.child.pid;
  }

  async start(): Promise<void> {
    if (this.process) this.earlier += this.process.output();
    const { host, databaseUrl, upstreamUrl, adminKey, env = {} } = this.setup;
    this.process = startInNamespace(host.namespace, [process.execPath, ...ENTRY], {
      cwd: new URL("../../", import.meta.url).pathname,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: this.dataDir,
        HOST: "0.0.0.0",
        PORT: String(GATEWAY_PORT),
        COPILOT_GATEWAY_DATA_DIR: join(this.dataDir, "gateway"),
        COPILOT_PROVIDER_BASE_URL: upstreamUrl,
        COPILOT_PROVIDER_API_KEY: "provider-secret-value",
        DATABASE_URL: databaseUrl,
        GATEWAY_ADMIN_KEY: adminKey,
        // One runtime a replica: two replicas on two cores.
        GATEWAY_RUNTIMES: "1",
        ...env,
      },
      onLine: watchLogLine,
    });
    // Compiling the TypeScript and starting a runtime, beside the other replica doing the same on 2 cores.
    await this.process.waitFor(/listening on http:\/\/[\d.]+:\d+/, 90_000);
  }

  /** SIGTERM: the drain an orchestrator starts; resolves with the exit code. */
  stop(): Promise<number | null> {
    return this.process?.stop("SIGTERM") ?? Promise.resolve(null);
  }

  /** SIGKILL: the host dies (its runtime, a child, notices and goes too). */
  kill(): Promise<number | null> {
    return this.process?.stop("SIGKILL") ?? Promise.resolve(null);
  }

  /** The request lines this replica logged (across its restarts) for a request id: what it answered, and where its turn's session came from. */
  logged(requestId: string): Array<{ status: number; origin?: string; error_code?: string }> {
    return this.log()
      .split("\n")
      .filter((line) => line.includes(`"id":"${requestId}"`))
      .map((line) => JSON.parse(line) as { status: number; origin?: string; error_code?: string });
  }

  log(): string {
    return this.earlier + (this.process?.output() ?? "");
  }
}
