import { defineConfig } from "vitest/config";
import { isWriteToLostRuntime } from "./src/node/stray-rejections.js";

// `npm run test:topology`: replicas, PostgreSQL and HAProxy on hosts in network
// namespaces (tests/topology), kept out of `npm test` because it needs root.
// One file, one topology, the scenarios in order.
export default defineConfig({
  test: {
    include: ["tests/topology/**/*.topology.ts"],
    maxWorkers: 1,
    // Gateways compiling their TypeScript and starting runtimes beside whatever else the 2 cores run.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // The replicas' log lines are checked for secrets like every test gateway's (tests/support/log-watch.ts).
    setupFiles: ["tests/support/conformance-setup.ts"],
    onUnhandledError: (error) => !isWriteToLostRuntime(error),
  },
});
