// Fails a test whose gateway produced a body, SSE event or error that breaks
// the providers' published specifications (see spec-conformance.ts).
import { afterEach, expect } from "vitest";
import { takeViolations } from "./spec-conformance.js";

afterEach(async () => {
  expect(await takeViolations()).toEqual([]);
});
