// The suite's conformance check must be able to fail: a stream it cannot
// check, or a chunk that breaks OpenAI's schema, is a violation — whether the
// stream came as a Web Response or was written straight to the connection.
import { describe, expect, it } from "vitest";
import type { DirectResponses, FrameSink } from "../../src/pipeline/frame-sink.js";
import { observeConformance, takeViolations } from "../support/spec-conformance.js";

const chunk = (finishReason: string | null, usage: unknown = null) =>
  `data: ${JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index: 0, delta: { content: "hi" }, logprobs: null, finish_reason: finishReason }],
    usage,
  })}\n\n`;
const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
const request = () => new Request("http://localhost/v1/chat/completions", { method: "POST" });

async function checkWebStream(body: string) {
  const fetch = observeConformance(() => new Response(body, { headers: { "content-type": "text/event-stream" } }));
  await (await fetch(request())).text();
  return takeViolations();
}

async function checkDirectStream(frames: string[]) {
  const written: string[] = [];
  const connection: DirectResponses = {
    start: (): FrameSink => ({ write: (frame) => written.push(frame) > 0, drained: () => Promise.resolve(), end: () => {}, onGone: () => {} }),
  };
  const fetch = observeConformance((_request: Request, env: { directResponses?: DirectResponses }) => {
    const sink = env.directResponses!.start(200, { "content-type": "text/event-stream" });
    for (const frame of frames) sink.write(frame);
    sink.end("data: [DONE]\n\n");
    return new Response(null);
  });
  await fetch(request(), { directResponses: connection });
  expect(written).toEqual(frames);
  return takeViolations();
}

describe("the conformance check", () => {
  it("passes a chat stream as OpenAI sends it: null finish_reason and usage until the end", async () => {
    expect(await checkWebStream(chunk(null) + chunk("stop") + chunk(null, usage) + "data: [DONE]\n\n")).toEqual([]);
    expect(await checkDirectStream([chunk(null), chunk("stop")])).toEqual([]);
  });

  it("reports a chunk whose finish_reason OpenAI does not define", async () => {
    for (const violations of [await checkWebStream(chunk("done") + "data: [DONE]\n\n"), await checkDirectStream([chunk(null), chunk("done")])]) {
      expect(violations.length).toBeGreaterThan(0);
      for (const { problem } of violations) expect(problem).toMatch(/\/choices\/0\/finish_reason/);
    }
  });

  it("reports a frame that is not JSON", async () => {
    expect(await checkDirectStream(["data: {not json\n\n"])).toEqual([expect.objectContaining({ problem: expect.stringMatching(/^not JSON/) })]);
  });
});
