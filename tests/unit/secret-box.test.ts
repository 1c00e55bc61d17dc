// Sealed values open only with the same secret, purpose and context, and
// never show what they hold.
import { describe, expect, it } from "vitest";
import { pkceChallenge, SecretBox } from "../../src/access/secret-box.js";

const SECRET = "unit-test-secret-key-0123456789abcdef";
const TOKEN = "ghu_unitTESTtoken0123456789abcdefghij";

describe("SecretBox", () => {
  it("seals with a fresh IV each time, and opens only in the same context", async () => {
    const box = await SecretBox.derive(SECRET, "github-tokens");
    const [one, two] = await Promise.all([box.seal(TOKEN, "github:1:access"), box.seal(TOKEN, "github:1:access")]);
    expect(one).not.toBe(two);
    expect(one).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(one).not.toContain("ghu_");
    expect(await box.open(one, "github:1:access")).toBe(TOKEN);
    // Copied to another person's row, or to the refresh token's column: it does not open.
    expect(await box.open(one, "github:2:access")).toBeUndefined();
    expect(await box.open(one, "github:1:refresh")).toBeUndefined();
  });

  it("does not open under another secret or purpose, nor when altered", async () => {
    const sealed = await (await SecretBox.derive(SECRET, "github-tokens")).seal(TOKEN, "c");
    expect(await (await SecretBox.derive(`${SECRET}x`, "github-tokens")).open(sealed, "c")).toBeUndefined();
    expect(await (await SecretBox.derive(SECRET, "cookies")).open(sealed, "c")).toBeUndefined();
    const box = await SecretBox.derive(SECRET, "github-tokens");
    // Many seals, so that every character the next-to-last may be is met (the last may carry only padding bits).
    for (let i = 0; i < 200; i++) {
      const [version, iv, body] = (await box.seal(TOKEN, "c")).split(".");
      const altered = body!.at(-2) === "A" ? "B" : "A";
      expect(await box.open(`${version}.${iv}.${body!.slice(0, -2)}${altered}${body!.slice(-1)}`, "c")).toBeUndefined();
    }
    expect(await box.open("not sealed", "c")).toBeUndefined();
  });

  it("makes PKCE's S256 challenge as RFC 7636's example says", async () => {
    expect(await pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });
});
