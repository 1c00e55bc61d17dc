// What the gateway says when it starts: the --help text, printed from the
// settings table, and the one line it logs once it listens.
import type { Config } from "./config.js";
import { redactUrl } from "./redact-url.js";
import { SETTING_LIST, defaultOf } from "./settings.js";

/** Every setting with its flag, variable(s), default and meaning, for `--help`. */
export function helpText(): string {
  const lines = [
    "Usage: copilot-gateway [options]",
    "       copilot-gateway keys create|list|show|update|revoke ...   (virtual keys; --help for more)",
    "       copilot-gateway usage [--group-by key,model] [--from ...] [--to ...] [--csv]",
    "       copilot-gateway people [--csv|--json] | people disable|enable <login>   (who signed in; stop all their keys)",
    "       copilot-gateway login --url <gateway>                      (sign in with GitHub: a personal key on your own seat)",
    "       copilot-gateway setup claude-code|codex|opencode           (write that key into the tool's config)",
    "",
    "OpenAI-compatible HTTP gateway in front of GitHub Copilot.",
    "Every option is also an environment variable; the flag wins. An empty variable counts as unset.",
    "",
  ];
  for (const setting of SETTING_LIST) {
    lines.push(`  --${setting.flag} ${setting.valueHint}`);
    lines.push(`      env: ${setting.env.join(", ")}    default: ${defaultOf(setting)}`);
    lines.push(`      ${setting.meaning}`);
  }
  lines.push("  -h, --help", "      Show this text.");
  return lines.join("\n");
}

/** The one start-up line. Contract: contains no token, no key, no URL userinfo or query. */
export function describeStartup(config: Config, address: string): string {
  const runtime = config.runtime.kind === "embedded" ? `embedded ×${config.runtimes}` : `external ${config.runtime.urls.map(redactUrl).join(", ")}`;
  const auth = config.provider
    ? `BYOK ${redactUrl(config.provider.baseUrl)}`
    : config.auth === "github"
      ? "each caller's own GitHub token"
      : config.githubToken
        ? "GitHub token"
        : "logged-in user";
  const callers =
    config.auth === "github"
      ? "GitHub users on their own seats"
      : config.auth === "keys"
        ? `API keys required (${config.apiKeys.length} static, and virtual keys)`
        : "no key required";
  const admin = config.adminKey ? "on" : "off";
  const cors = config.corsOrigins.length > 0 ? config.corsOrigins.join(",") : "none";
  const signIn = config.signIn ? `; sign-in with GitHub: ${redactUrl(config.signIn.publicUrl)}` : "";
  return `copilot-gateway listening on ${redactUrl(address)}; runtime: ${runtime}; auth: ${auth}; callers: ${callers}${signIn}; admin API: ${admin}; CORS: ${cors}`;
}
