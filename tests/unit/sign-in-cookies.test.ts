// The sign-in cookies as a browser receives them: sealed, HttpOnly,
// SameSite=Lax, Secure when the gateway is reached over https, short-lived;
// and read back only when they were sealed by this gateway and are fresh.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { SecretBox } from "../../src/access/secret-box.js";
import { OAUTH_SECONDS, SESSION_SECONDS, SignInCookies } from "../../src/http/sign-in-session.js";

const SECRET = "cookie-test-secret-key-0123456789abcdef";

async function cookieApp(publicUrl: string, now: () => number = Date.now) {
  const cookies = new SignInCookies(await SecretBox.derive(SECRET, "cookies"), publicUrl, now);
  const app = new Hono();
  app.get("/start", async (c) => {
    await cookies.setSession(c, { personId: "person_1", csrf: "csrf-token" });
    await cookies.setAttempt(c, { state: "the-state", verifier: "the-verifier" });
    return c.body(null, 204);
  });
  app.get("/session", async (c) => c.json((await cookies.session(c)) ?? null));
  return app;
}

const setCookies = (response: Response) => response.headers.getSetCookie();

describe("sign-in cookies", () => {
  it("are sealed, HttpOnly, SameSite=Lax, short-lived, and Secure over https", async () => {
    const response = await (await cookieApp("https://gateway.example")).request("/start");
    const [session, attempt] = setCookies(response);
    expect(session).toMatch(new RegExp(`^cgw_session=v1\\.[\\w.-]+; Max-Age=${SESSION_SECONDS}; Path=/; HttpOnly; Secure; SameSite=Lax$`));
    expect(attempt).toMatch(new RegExp(`^cgw_oauth=v1\\.[\\w.-]+; Max-Age=${OAUTH_SECONDS}; Path=/auth/github; HttpOnly; Secure; SameSite=Lax$`));
    for (const cookie of [session, attempt]) for (const secret of ["person_1", "csrf-token", "the-state", "the-verifier"]) expect(cookie).not.toContain(secret);
  });

  it("are not Secure over plain http (a gateway on loopback), and are read back while fresh", async () => {
    let now = Date.now();
    const app = await cookieApp("http://127.0.0.1:3000", () => now);
    const [session] = setCookies(await app.request("/start"));
    expect(session).not.toContain("Secure");
    const cookie = session!.split(";")[0]!;
    expect(await (await app.request("/session", { headers: { cookie } })).json()).toMatchObject({ personId: "person_1", csrf: "csrf-token" });
    now += SESSION_SECONDS * 1000 + 1;
    expect(await (await app.request("/session", { headers: { cookie } })).json()).toBeNull();
  });

  it("are not read when another gateway's secret sealed them", async () => {
    const [session] = setCookies(await (await cookieApp("http://127.0.0.1:3000")).request("/start"));
    const other = new SignInCookies(await SecretBox.derive(`${SECRET}-other`, "cookies"), "http://127.0.0.1:3000");
    const app = new Hono();
    app.get("/session", async (c) => c.json((await other.session(c)) ?? null));
    expect(await (await app.request("/session", { headers: { cookie: session!.split(";")[0]! } })).json()).toBeNull();
  });
});
