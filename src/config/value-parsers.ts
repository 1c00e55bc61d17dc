// One setting's text → its typed value, or a ConfigError of one line that names
// the flag or variable the text came from (and shows the text, unless the
// setting is a secret). Settings that depend on each other are load-config.ts's.
import { z } from "zod";
import { parseAliases } from "../core/model-aliases.js";
import { ConfigError } from "./config.js";
import { redactUrl } from "./redact-url.js";
import { SETTING_LIST } from "./settings.js";

/** A raw value and the name the user gave it under, so errors point at what they typed. */
export interface RawValue {
  text: string;
  source: string;
}

const TRUE_WORDS = ["1", "true", "yes", "on"] as const;
const FALSE_WORDS = ["0", "false", "no", "off"] as const;
export const isBooleanWord = (s: string) => (TRUE_WORDS as readonly string[]).includes(s.toLowerCase());
export const isBooleanLiteral = (s: string) => isBooleanWord(s) || (FALSE_WORDS as readonly string[]).includes(s.toLowerCase());

export const integerText = z.string().regex(/^\d+$/).transform(Number);
export const decimalText = z.string().regex(/^\d+(\.\d+)?$/).transform(Number);

/** The value `schema` reads from the text; text it refuses is a ConfigError saying what was expected. */
export function parse<T>(value: RawValue, schema: z.ZodType<T, string>, expectation: string): T {
  const result = schema.safeParse(value.text);
  if (!result.success) throw invalid(value, expectation);
  return result.data;
}

/** Seconds as milliseconds. */
export function seconds(value: RawValue, sign: "positive" | "nonnegative"): number {
  const schema = sign === "positive" ? decimalText.pipe(z.number().positive()) : decimalText;
  const expectation = sign === "positive" ? "a number of seconds greater than 0" : "a number of seconds, 0 or more";
  const ms = Math.round(parse(value, schema, expectation) * 1000);
  // A tiny positive value must not round down to 0, which would mean "never".
  return sign === "positive" ? Math.max(1, ms) : ms;
}

export function invalid(value: RawValue, expectation: string, isSecret = false): ConfigError {
  const setting = SETTING_LIST.find((s) => s.env.includes(value.source) || `--${s.flag}` === value.source);
  const shown = isSecret || setting?.isSecret ? "" : ` (got "${redactUrl(value.text)}")`;
  return new ConfigError(`${value.source} must be ${expectation}${shown}`);
}

export function nonEmpty(value: RawValue): string {
  if (value.text === "") throw invalid(value, "a non-empty value");
  return value.text;
}

export function parseList(value: RawValue | undefined): string[] {
  return (value?.text ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
}

export function parseModelAliases(value: RawValue | undefined): Map<string, string> {
  if (!value) return new Map();
  try {
    return parseAliases(value.text);
  } catch (error) {
    throw new ConfigError(`${value.source}: ${error instanceof Error ? error.message : "not a from=to list"}`);
  }
}

/** One or more headless runtimes, comma-separated; each serves its own sessions. */
export function parseCliUrls(value: RawValue): string[] {
  const urls = value.text.split(",").map((text) => text.trim()).filter((text) => text !== "").map((text) => parseCliUrl({ ...value, text }));
  if (urls.length === 0) throw invalid(value, "host:port or http://host:port of a running copilot --headless server");
  return [...new Set(urls)];
}

function parseCliUrl(value: RawValue): string {
  // The SDK accepts more (bare port, https://), but plain TCP is all it speaks, so an
  // https:// prefix would only mislead; we take the documented forms and normalise.
  const match = /^(?:http:\/\/)?((?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])):(\d+)\/?$/.exec(value.text);
  const port = Number(match?.[2]);
  if (!match || !(port >= 1 && port <= 65535)) throw invalid(value, "host:port or http://host:port of a running copilot --headless server");
  return `${match[1]}:${port}`;
}

export function parseDatabaseUrl(value: RawValue): string {
  // Secret (it may carry a password): the error never shows it.
  if (!/^postgres(?:ql)?:\/\//i.test(value.text) || !URL.canParse(value.text)) throw invalid(value, "a postgres:// or postgresql:// URL");
  return value.text;
}

export function parseCorsOrigins(value: RawValue): string[] {
  const origins = parseList(value);
  if (origins.includes("*")) return ["*"];
  return origins.map((origin) => {
    const trimmed = origin.replace(/\/$/, "");
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s]+$/i.test(trimmed)) {
      throw invalid({ text: origin, source: value.source }, "a comma list of scheme://host[:port] origins, or *");
    }
    // Browsers send http(s) origins lowercased and without a default port; match that
    // form, since CORS compares strings. Other schemes (tauri://, chrome-extension://) stay as given.
    const url = URL.canParse(trimmed) ? new URL(trimmed) : undefined;
    return url && (url.protocol === "http:" || url.protocol === "https:") ? url.origin : trimmed;
  });
}
