// The sign-in settings: on with the client id, then complete or a start-up
// error naming the missing setting; GitHub's API found from its web address.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config.js";
import { loadConfig } from "../../src/config/load-config.js";
import { describeStartup } from "../../src/config/startup-text.js";

const load = (env: Record<string, string>) => loadConfig([], env, { cacheDir: "/home/u/.cache" });
const COMPLETE = {
  GATEWAY_AUTH: "github",
  GATEWAY_GITHUB_CLIENT_ID: "Iv1.abc",
  GATEWAY_GITHUB_CLIENT_SECRET: "client-secret-value",
  GATEWAY_SECRET_KEY: "k".repeat(32),
  GATEWAY_PUBLIC_URL: "https://gateway.example/",
};

function refusal(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("the configuration was accepted");
}

describe("sign-in settings", () => {
  it("are off without a client id, and complete with every piece", () => {
    expect(load({ GATEWAY_AUTH: "github" }).signIn).toBeUndefined();
    expect(load(COMPLETE).signIn).toEqual({ clientId: "Iv1.abc", clientSecret: "client-secret-value", secretKey: "k".repeat(32), publicUrl: "https://gateway.example" });
  });

  it.each(["GATEWAY_GITHUB_CLIENT_SECRET", "GATEWAY_SECRET_KEY", "GATEWAY_PUBLIC_URL"])("without %s, stop the start naming it", (missing) => {
    const { [missing]: _, ...rest } = COMPLETE as Record<string, string>;
    const message = refusal(rest);
    expect(message).toContain(missing);
    expect(message).not.toContain("client-secret-value");
  });

  it("refuse a short secret key without echoing it, a client id outside github mode, and pieces without a client id", () => {
    const short = refusal({ ...COMPLETE, GATEWAY_SECRET_KEY: "too-short-secret" });
    expect(short).toContain("GATEWAY_SECRET_KEY");
    expect(short).not.toContain("too-short-secret");
    expect(refusal({ ...COMPLETE, GATEWAY_AUTH: "keys" })).toContain("GATEWAY_AUTH=github");
    expect(refusal({ GATEWAY_AUTH: "github", GATEWAY_SECRET_KEY: "k".repeat(32) })).toContain("GATEWAY_GITHUB_CLIENT_ID");
  });

  it("find GitHub's API from its web address: github.com, a GHE.com tenant, a GitHub Enterprise Server; or take it as given", () => {
    expect(load({}).githubApiUrl).toBe("https://api.github.com");
    expect(load({ GATEWAY_GITHUB_URL: "https://octocorp.ghe.com" }).githubApiUrl).toBe("https://api.octocorp.ghe.com");
    expect(load({ GATEWAY_GITHUB_URL: "https://github.example.com/" })).toMatchObject({ githubUrl: "https://github.example.com", githubApiUrl: "https://github.example.com/api/v3" });
    expect(load({ GATEWAY_GITHUB_URL: "https://github.example.com", GATEWAY_GITHUB_API_URL: "https://api.example.com" }).githubApiUrl).toBe("https://api.example.com");
  });
});

describe("the start-up line with sign-in", () => {
  it("says where people sign in, and nothing secret", () => {
    const line = describeStartup(load(COMPLETE), "http://0.0.0.0:3000");
    expect(line).toContain("callers: GitHub users on their own seats; sign-in with GitHub: https://gateway.example;");
    expect(line).not.toContain("client-secret-value");
    expect(line).not.toContain("k".repeat(32));
  });
});
