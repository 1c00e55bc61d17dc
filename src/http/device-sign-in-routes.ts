// Signing in from a terminal by GitHub's device flow, for `copilot-gateway
// login`. POST /auth/device/code starts it (GitHub's user code and
// verification URL, its expiry and polling interval); POST /auth/device/token
// asks GitHub once per call and answers in OAuth's own device-flow shape
// (RFC 8628 §3.5: 400 with `error` authorization_pending, slow_down with the
// new `interval`, expired_token, access_denied), so the terminal polls as
// GitHub asks. Once GitHub grants it, the person is signed in and gets a new
// personal key, its secret in this one answer.
import { Hono } from "hono";
import { z } from "zod";
import type { GitHubSignIn } from "../access/people.js";
import type { PeopleSignIn } from "../access/sign-in.js";
import type { Logger } from "../core/logger.js";
import type { AppEnv } from "../pipeline/app-env.js";
import { readJsonBody } from "./json-body.js";
import { personDisabled, unreachable } from "./sign-in-routes.js";

const tokenRequest = z.object({ device_code: z.string().min(1).max(200), name: z.string().trim().min(1).max(200).optional() });

export function deviceSignInRoutes(options: { signIn: PeopleSignIn; github: GitHubSignIn; logger: Logger }): Hono<AppEnv> {
  const { signIn, github, logger } = options;
  const app = new Hono<AppEnv>({ strict: false });

  app.post("/code", async (c) => {
    const code = await github.deviceCode().catch(unreachable);
    return c.json({ device_code: code.deviceCode, user_code: code.userCode, verification_uri: code.verificationUri, expires_in: code.expiresIn, interval: code.interval });
  });

  app.post("/token", async (c) => {
    const parsed = tokenRequest.safeParse(await readJsonBody(c));
    if (!parsed.success) return c.json({ error: "invalid_request", error_description: "Send {\"device_code\": \"...\"} from POST /auth/device/code." }, 400);
    const answer = await github.pollDevice(parsed.data.device_code).catch(unreachable);
    switch (answer.kind) {
      case "pending":
        return c.json({ error: "authorization_pending", error_description: "Not approved on GitHub yet." }, 400);
      case "slow_down":
        return c.json({ error: "slow_down", error_description: "Polling too fast.", ...(answer.interval !== undefined ? { interval: answer.interval } : {}) }, 400);
      case "expired":
        return c.json({ error: "expired_token", error_description: "The code expired before it was approved; start again." }, 400);
      case "denied":
        return c.json({ error: "access_denied", error_description: "The sign-in was declined on GitHub." }, 400);
      case "refused":
        return c.json({ error: answer.error, error_description: "GitHub refused the device code." }, 400);
    }
    const person = await signIn.signIn(answer.grant).catch(unreachable);
    if (person.status === "disabled") {
      logger.warn("a disabled person tried to sign in", { person: person.id, login: person.login, flow: "device" });
      return c.json({ error: "person_disabled", error_description: personDisabled().message, login: person.login }, 403);
    }
    logger.info("a person signed in", { person: person.id, login: person.login, seat: person.seat, flow: "device" });
    if (person.seat === "none") {
      return c.json({ error: "no_copilot_seat", error_description: `You are signed in as ${person.login}, but your GitHub account has no Copilot seat, so a key would not work. Ask for a seat, then sign in again.`, login: person.login }, 403);
    }
    const key = await signIn.createKey(person, parsed.data.name ?? "copilot-gateway login");
    logger.info("a person made a key", { person: person.id, login: person.login, key: key.id });
    return c.json({ object: "personal_key", login: person.login, seat: person.seat, ...key });
  });

  return app;
}
