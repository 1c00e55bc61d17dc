// Debian's Chromium (/usr/bin/chromium; .ci/run installs it when missing),
// driven by playwright-core: no browser download. The flags keep it off the
// network, which this machine does not have anyway; playwright gives every
// launch a fresh, empty --user-data-dir of its own (and refuses one passed in args).
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";

const EXECUTABLE = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Screenshots the browser tests write (git-ignored). */
export const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts", import.meta.url));

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(EXECUTABLE)) {
    throw new Error(`The browser tests need Chromium at ${EXECUTABLE}: run \`apt-get install -y chromium\` (bash .ci/run does), or set CHROMIUM_PATH.`);
  }
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
