// Model names as clients send them → a model the runtime serves. Claude Code
// asks for Anthropic's ids (`claude-sonnet-4-5-20250929`, `claude-3-5-haiku-
// 20241022`: dated, dashes for dots); Copilot lists `claude-sonnet-4.5`,
// `claude-haiku-4.5`. Contract B.13 #72: the default Claude Code names must
// never be a 404 while a Claude model is available. Pure and synchronous.

const FAMILY_PREFERENCE = ["sonnet", "opus", "haiku"] as const;

/**
 * The model to run for `requested`, or undefined when nothing fits. In order:
 *
 * 1. `requested` itself, when available.
 * 2. The configured alias for it (keys compared case-insensitively, as sent
 *    and in the normalised form of rule 3), when its target resolves by rules
 *    1, 3 and 4 (so `fast=haiku` means the best Haiku); an alias whose target
 *    resolves to nothing falls through to the rules below.
 * 3. The normalised name: lower case, a trailing `-YYYYMMDD` / `@YYYYMMDD`
 *    date and `-latest` removed, version dashes made dots (`claude-sonnet-4-5`
 *    → `claude-sonnet-4.5`, `claude-3-5-haiku` → `claude-3.5-haiku`), compared
 *    with the available ids normalised the same way; failing that, the same
 *    family and version in the other word order (`claude-3.5-haiku` ↔
 *    `claude-haiku-3.5`), plain variants before suffixed ones (`-thought`).
 * 4. For `claude-*` names (and the bare `opus`, `sonnet`, `haiku`) only: the
 *    highest version available of the requested family, plain before
 *    suffixed; with no model of that family (or no family in the name), the
 *    highest Sonnet, else the highest Opus, else the highest Haiku, else the
 *    highest-versioned Claude model of any other family. So a newer Claude
 *    Code default (`claude-opus-4-8`) runs on the best Opus the licence has.
 *
 * Non-Claude names get rules 1–3 only: a typo in `gpt-5` must stay a 404.
 */
export function resolveModel(
  requested: string,
  available: readonly string[],
  aliases: ReadonlyMap<string, string> = new Map(),
): string | undefined {
  if (available.includes(requested)) return requested;
  const aliased = aliasFor(requested, aliases);
  const viaAlias = aliased === undefined ? undefined : (matchByName(aliased, available) ?? closestClaude(aliased, available));
  if (viaAlias !== undefined) return viaAlias;
  return matchByName(requested, available) ?? closestClaude(requested, available);
}

/**
 * `from=to` pairs separated by commas, semicolons or newlines (the
 * `GATEWAY_MODEL_ALIASES` format), e.g. `opus=claude-opus-4.1,claude-3-5-haiku=gpt-4.1`.
 * Keys are stored in lower case; a later pair for the same key wins. Throws an
 * Error naming the first malformed entry.
 */
export function parseAliases(text: string): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const raw of text.split(/[,;\n]/)) {
    const entry = raw.trim();
    if (entry === "") continue;
    const at = entry.indexOf("=");
    const from = at < 0 ? "" : entry.slice(0, at).trim();
    const to = at < 0 ? "" : entry.slice(at + 1).trim();
    if (from === "" || to === "" || to.includes("=")) {
      throw new Error(`Invalid model alias ${JSON.stringify(entry)}: expected <requested model>=<served model>, e.g. claude-sonnet-4-5=claude-sonnet-4.5.`);
    }
    aliases.set(from.toLowerCase(), to);
  }
  return aliases;
}

/** Rule 3's normal form: lower case, no date or `-latest` suffix, version dashes as dots. */
export function normalizeModelId(id: string): string {
  return id
    .trim()
    .toLowerCase()
    .replace(/[-@]\d{8}$/, "")
    .replace(/-latest$/, "")
    .replace(/(^|-)(\d{1,2})-(\d{1,2})(?=-|$)/g, "$1$2.$3");
}

function aliasFor(requested: string, aliases: ReadonlyMap<string, string>): string | undefined {
  const keys = new Set([requested, requested.toLowerCase(), normalizeModelId(requested)]);
  for (const key of keys) {
    const target = aliases.get(key);
    if (target !== undefined) return target;
  }
  for (const [from, to] of aliases) if (keys.has(from.toLowerCase()) || keys.has(normalizeModelId(from))) return to;
  return undefined;
}

function matchByName(requested: string, available: readonly string[]): string | undefined {
  if (available.includes(requested)) return requested;
  const wanted = normalizeModelId(requested);
  const same = available.find((id) => normalizeModelId(id) === wanted);
  if (same !== undefined) return same;
  const name = parseClaudeName(wanted);
  if (name?.family === undefined || name.version === undefined) return undefined;
  const matches = claudeModels(available).filter(
    (model) => model.family === name.family && model.version !== undefined && compareVersions(model.version, name.version!) === 0,
  );
  return (matches.find((model) => model.suffix === name.suffix) ?? matches.find((model) => model.suffix === "") ?? matches[0])?.id;
}

function closestClaude(requested: string, available: readonly string[]): string | undefined {
  const wanted = normalizeModelId(requested);
  const isFamilyName = (FAMILY_PREFERENCE as readonly string[]).includes(wanted);
  const name = isFamilyName ? { family: wanted, version: undefined, suffix: "" } : parseClaudeName(wanted);
  if (name === undefined) return undefined;
  const models = claudeModels(available);
  const best = (family: string | undefined) => highest(models.filter((model) => family === undefined || model.family === family));
  if (name.family !== undefined) {
    const sameFamily = best(name.family);
    if (sameFamily !== undefined) return sameFamily;
  }
  for (const family of FAMILY_PREFERENCE) {
    const preferred = best(family);
    if (preferred !== undefined) return preferred;
  }
  return best(undefined);
}

interface ClaudeName {
  /** `opus`, `sonnet`, `haiku` or another word naming the family; undefined when the name has none. */
  family: string | undefined;
  version: number[] | undefined;
  /** What else the name says (`thought`, `preview`…), joined by dashes; "" for the plain model. */
  suffix: string;
}

/** `claude-3.5-haiku`, `claude-haiku-4.5`, `claude-sonnet-4`, `claude-3.7-sonnet-thought` → family, version, suffix. */
function parseClaudeName(normalized: string): ClaudeName | undefined {
  if (!normalized.startsWith("claude-")) return undefined;
  const words = normalized.slice("claude-".length).split("-").filter(Boolean);
  const versionWord = words.find((word) => /^\d+(\.\d+)*$/.test(word));
  const family = words.find((word) => (FAMILY_PREFERENCE as readonly string[]).includes(word)) ?? words.find((word) => /^[a-z]+$/.test(word));
  const suffix = words.filter((word) => word !== versionWord && word !== family).join("-");
  return { family, version: versionWord === undefined ? undefined : parseVersion(versionWord), suffix };
}

/**
 * `4.5` → [4, 5]. Two digits without a dot are read as major and minor
 * (`claude-opus-41` is how Copilot has listed Opus 4.1): Claude majors are
 * single digits, and reading it as version 41 would rank it above every model.
 */
function parseVersion(word: string): number[] {
  if (/^\d\d$/.test(word)) return [Number(word[0]), Number(word[1])];
  return word.split(".").map(Number);
}

interface ClaudeModel extends ClaudeName {
  id: string;
}

function claudeModels(available: readonly string[]): ClaudeModel[] {
  return available.flatMap((id) => {
    const name = parseClaudeName(normalizeModelId(id));
    return name ? [{ id, ...name }] : [];
  });
}

/** The highest version; at the same version the plain model before a suffixed variant, then the first listed. */
function highest(models: readonly ClaudeModel[]): string | undefined {
  let best: ClaudeModel | undefined;
  for (const model of models) {
    if (best === undefined) {
      best = model;
      continue;
    }
    const order = compareVersions(model.version ?? [], best.version ?? []);
    if (order > 0 || (order === 0 && model.suffix === "" && best.suffix !== "")) best = model;
  }
  return best?.id;
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
