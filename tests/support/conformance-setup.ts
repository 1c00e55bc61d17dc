// Fails a test whose gateway produced a body, SSE event or error that breaks
// the providers' published specifications (see spec-conformance.ts), or
// wrote a secret to its log (log-watch.ts).
import { afterEach, expect } from "vitest";
import { takeSecretLeaks } from "./log-watch.js";
import { takeViolations } from "./spec-conformance.js";

afterEach(async () => {
  expect(await takeViolations()).toEqual([]);
  expect(takeSecretLeaks()).toEqual([]);
});
