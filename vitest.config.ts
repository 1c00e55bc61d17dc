import { defineConfig } from "vitest/config";
import { isWriteToLostRuntime } from "./src/node/stray-rejections.js";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Integration tests each start a real Copilot runtime process; on a 2-core
    // machine two files at a time keeps them fast without starving the runtimes.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Every body and SSE event a test gateway produces is checked against the providers' specifications.
    setupFiles: ["tests/support/conformance-setup.ts"],
    // The browser tests drive the built console: build it first when its sources are newer than dist/console.
    globalSetup: ["tests/browser/support/build-console.ts"],
    // The gateway process lets this one rejection go (src/node/stray-rejections.ts): so does the suite, whose gateways run in-process.
    onUnhandledError: (error) => !isWriteToLostRuntime(error),
  },
});
