import { defineConfig } from "vitest/config";
import { isWriteToLostRuntime } from "./src/node/stray-rejections.js";

// `npm run test:soak`: the figures of issue 10 that take minutes or load the
// machine (hundreds of streams, a slow client, a slowloris), kept out of
// `npm test`. One file at a time, so the figures are the gateway's alone.
export default defineConfig({
  test: {
    include: ["tests/soak/**/*.soak.ts"],
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 60_000,
    setupFiles: ["tests/support/conformance-setup.ts"],
    // As vitest.config.ts: the one rejection the gateway process lets go (src/node/stray-rejections.ts).
    onUnhandledError: (error) => !isWriteToLostRuntime(error),
  },
});
