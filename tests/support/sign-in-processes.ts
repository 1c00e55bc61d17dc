// Two real gateway processes in github mode with sign-in on, on one database
// (an SQLite file they share, or PostgreSQL), the company's GitHub App and
// GitHub's API scripted on loopback: what the sign-in and people process
// tests run against.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type GatewayDatabase } from "../../src/storage/database.js";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./databases.js";
import { startGatewayProcess, type GatewayProcess } from "./gateway-process.js";
import { startScriptedGitHub, type ScriptedGitHub } from "./github-api.js";
import { gatewaySignInEnv, startScriptedGitHubOAuth, type ScriptedGitHubOAuth } from "./github-oauth.js";

export interface SignInProcesses {
  github: ScriptedGitHub;
  oauth: ScriptedGitHubOAuth;
  target: TestDatabase;
  /** The database the processes share, opened by the test too. */
  database: GatewayDatabase;
  a: GatewayProcess;
  b: GatewayProcess;
  /** The gateways' HOME. */
  home: string;
  close(): Promise<void>;
}

export interface SignInProcessesOptions {
  secretKey: string;
  publicUrl: string;
  /** Set on both processes, beside the sign-in settings. */
  env?: Record<string, string>;
  /** Before the processes start: whom the scripted GitHub signs in. */
  prepare?: (oauth: ScriptedGitHubOAuth) => void;
}

export async function startSignInProcesses(kind: DatabaseKind, options: SignInProcessesOptions): Promise<SignInProcesses> {
  const started: Partial<SignInProcesses> = {};
  const close = async () => {
    await Promise.all([started.a?.close(), started.b?.close()]);
    await started.database?.close();
    await started.target?.dispose();
    await started.oauth?.close();
    await started.github?.close();
    if (started.home) await rm(started.home, { recursive: true, force: true });
  };
  try {
    const github = (started.github = await startScriptedGitHub({ tokens: {} }));
    const oauth = (started.oauth = await startScriptedGitHubOAuth(github));
    options.prepare?.(oauth);
    const target = (started.target = await createTestDatabase(kind));
    const home = (started.home = await mkdtemp(join(tmpdir(), "cgw-signin-gw-")));
    const env = { ...gatewaySignInEnv(github, oauth, { home, secretKey: options.secretKey, publicUrl: options.publicUrl }), ...options.env };
    started.a = await startGatewayProcess({ database: target.options, env });
    started.b = await startGatewayProcess({ database: target.options, env });
    started.database = await openDatabase(target.options);
    return { ...(started as Omit<SignInProcesses, "close">), close };
  } catch (error) {
    await close();
    throw error;
  }
}
