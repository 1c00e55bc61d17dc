// `copilot-gateway login --url <gateway>`: signs a person in from a terminal
// by GitHub's device flow, through the gateway (POST /auth/device/code, then
// /auth/device/token as often as GitHub allows), and keeps the personal key it
// ends with (credentials.ts). Prints the code and where to enter it; never
// prints the key itself.
import { hostname } from "node:os";
import { CliError, usageError } from "./cli-error.js";
import { parseFlags, type CliEnv, type CliIo } from "./command-line.js";
import { saveCredentials } from "./credentials.js";

const OPTIONS = { url: { type: "string" }, name: { type: "string" }, help: { type: "boolean", short: "h" } } as const;

export const LOGIN_HELP = [
  "Usage: copilot-gateway login --url <gateway> [--name <key name>]",
  "",
  "Signs you in with GitHub (in a browser, with a code shown here) and keeps a",
  "personal key that runs on your own Copilot seat. Then: copilot-gateway setup <tool>.",
].join("\n");

interface DeviceStart {
  device_code: string;
  user_code: string;
  verification_uri: string;
  expires_in: number;
  interval: number;
}

export interface LoginTiming {
  /** Waits between polls; real seconds by default. */
  sleep?: (ms: number) => Promise<void>;
}

export async function runLoginCommand(args: string[], env: CliEnv, io: CliIo, timing: LoginTiming = {}): Promise<number> {
  const { values, positionals } = parseFlags(args, OPTIONS);
  if (values.help) {
    io.out(`${LOGIN_HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (!values.url) throw usageError("--url is required: the gateway's address, e.g. --url https://gateway.example");
  const url = gatewayUrl(values.url);
  const sleep = timing.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  const start = (await post(url, "/auth/device/code", {})) as { status: number; body: DeviceStart & { error?: { message?: string } } };
  // Without sign-in the path is the API's: a 401 for the missing key, or a 404.
  if (start.status === 401 || start.status === 404) throw new CliError(`the gateway at ${url} does not offer signing in with GitHub (its operator sets GATEWAY_GITHUB_CLIENT_ID to turn it on)`, 1);
  if (start.status !== 200) throw new CliError(`the gateway did not start a sign-in (${start.status}): ${start.body.error?.message ?? "no reason given"}`, 1);
  const device = start.body;
  io.out(`To sign in, open ${device.verification_uri} and enter the code ${device.user_code}\n`);
  io.out(`Waiting for GitHub (the code expires in ${Math.round(device.expires_in / 60)} minutes)...\n`);

  const name = values.name ?? `copilot-gateway login on ${hostname()}`;
  let interval = device.interval;
  const giveUpAt = Date.now() + device.expires_in * 1000;
  for (;;) {
    await sleep(interval * 1000);
    const { status, body } = (await post(url, "/auth/device/token", { device_code: device.device_code, name })) as { status: number; body: Record<string, unknown> };
    if (status === 200 && typeof body.key === "string") {
      const path = await saveCredentials(env, { url, key: body.key, keyId: String(body.id), login: String(body.login) });
      io.out(`Signed in as ${String(body.login)}. Your personal key (${String(body.hint)}) is kept in ${path}.\n`);
      io.out("Next: copilot-gateway setup claude-code|codex|opencode\n");
      return 0;
    }
    // GitHub (or the gateway) briefly out of reach: poll again while the code lasts.
    if (status >= 500 && Date.now() < giveUpAt) continue;
    const error = typeof body.error === "string" ? body.error : `http_${status}`;
    if (error === "authorization_pending" && Date.now() < giveUpAt) continue;
    // RFC 8628 §3.5: slow down by 5 seconds, or to the interval GitHub names.
    if (error === "slow_down") {
      interval = typeof body.interval === "number" ? Math.max(body.interval, interval) : interval + 5;
      continue;
    }
    if (error === "expired_token" || error === "authorization_pending") throw new CliError("the code expired before it was entered: run copilot-gateway login again", 1);
    if (error === "access_denied") throw new CliError("the sign-in was declined on GitHub", 1);
    const description = typeof body.error_description === "string" ? body.error_description : typeof (body.error as { message?: unknown })?.message === "string" ? String((body.error as { message: string }).message) : error;
    throw new CliError(`the sign-in did not complete: ${description}`, 1);
  }
}

export function gatewayUrl(given: string): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw usageError(`--url must be the gateway's address, like https://gateway.example (got ${JSON.stringify(given)})`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw usageError("--url must be an http:// or https:// address");
  return url.origin + url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
}

async function post(base: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new CliError(`the gateway at ${base} could not be reached: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
  return { status: response.status, body: await response.json().catch(() => ({})) };
}
