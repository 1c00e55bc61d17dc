// The real gateway with the built web console (dist/console), on a real
// socket: the test gateway's real runtime (BYOK, against the scripted model)
// and database, the app made by createApp with the console mounted as the
// process mounts it.
import { fileURLToPath } from "node:url";
import type { AppConfig } from "../../../src/http/app.js";
import { loadConsoleAssets } from "../../../src/node/console-assets.js";
import { startGateway, type TestGateway } from "../../support/gateway.js";

const BUILT_CONSOLE = fileURLToPath(new URL("../../../dist/console", import.meta.url));

export interface ConsoleGateway {
  gateway: TestGateway;
  /** http://127.0.0.1:<port>, where the console is at / */
  origin: string;
}

export async function startConsoleGateway(config: Partial<AppConfig>): Promise<ConsoleGateway> {
  const assets = await loadConsoleAssets([BUILT_CONSOLE]);
  if (!assets) throw new Error(`No built console in ${BUILT_CONSOLE}: the vitest globalSetup builds it (npm run build:console).`);
  const gateway = await startGateway(config, { console: assets });
  const origin = new URL(await gateway.listen()).origin;
  return { gateway, origin };
}
