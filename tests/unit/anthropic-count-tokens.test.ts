// The count_tokens estimate (B.13 #80): system, messages and tools all count.
import { describe, expect, it } from "vitest";
import { CHARS_PER_TOKEN, IMAGE_TOKENS, estimateInputTokens } from "../../src/dialects/anthropic/count-tokens.js";
import { parseMessagesRequest } from "../../src/dialects/anthropic/parse.js";

const estimate = (body: Record<string, unknown>) => estimateInputTokens(parseMessagesRequest({ model: "m", ...body }).turn);
const chars = (n: number) => "x".repeat(n);

describe("estimateInputTokens", () => {
  it("counts about four characters a token, rounding up", () => {
    expect(CHARS_PER_TOKEN).toBe(4);
    expect(estimate({ messages: [{ role: "user", content: chars(40) }] })).toBe(10);
    expect(estimate({ messages: [{ role: "user", content: chars(41) }] })).toBe(11);
    expect(estimate({ messages: [{ role: "user", content: "" }] })).toBe(0);
  });

  it("counts the system prompt, assistant text, tool_use names and inputs, and tool_result content", () => {
    const messages = [
      { role: "user", content: chars(8) },
      { role: "assistant", content: [{ type: "text", text: chars(4) }, { type: "tool_use", id: "t1", name: "abcd", input: { k: chars(6) } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: chars(12) }] }] },
    ];
    const input = JSON.stringify({ k: chars(6) }); // 14 characters
    const expected = Math.ceil((16 + 8 + 4 + 4 + input.length + 12) / 4);
    expect(estimate({ system: [{ type: "text", text: chars(16) }], messages })).toBe(expected);
  });

  it("counts tools: name, description and input schema", () => {
    const schema = { type: "object", properties: { city: { type: "string" } } };
    const withTool = estimate({ messages: [{ role: "user", content: "" }], tools: [{ name: "get_weather", description: chars(9), input_schema: schema }] });
    expect(withTool).toBe(Math.ceil(("get_weather".length + 9 + JSON.stringify(schema).length) / 4));
  });

  it("gives each image a fixed cost", () => {
    const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } };
    expect(estimate({ messages: [{ role: "user", content: [image, image, { type: "text", text: chars(4) }] }] })).toBe(2 * IMAGE_TOKENS + 1);
  });

  it("grows with the conversation, as Claude Code's /context expects", () => {
    const short = estimate({ messages: [{ role: "user", content: "hello" }] });
    const long = estimate({ messages: [{ role: "user", content: "hello" }, { role: "assistant", content: "hi there" }, { role: "user", content: "and more" }] });
    expect(long).toBeGreaterThan(short);
  });
});
