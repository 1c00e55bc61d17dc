// The layer order as dependency-cruiser rules: for each layer, the layers
// above it (and beside it) are forbidden targets; and no import circle, which
// would make two files one piece inside a layer too. A violation names the
// rule, so a failing check says which layer reached where.
import { cruise, type ICruiseResult, type IForbiddenRuleType } from "dependency-cruiser";
import { foldersOf, LAYERS, type Layer } from "./layers.js";

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const pathOf = (folders: string[]) => `^src/(${folders.map(escape).join("|")})($|/)`;
const nameOf = (layer: Layer) => foldersOf(layer).join("+");

export function layerRules(): IForbiddenRuleType[] {
  const rules: IForbiddenRuleType[] = LAYERS.map((layer, index) => ({
    name: `${nameOf(layer)} imports only downward`,
    comment: `${nameOf(layer)} may import ${LAYERS.slice(index + 1).map(nameOf).join(", ") || "nothing of src/"}`,
    severity: "error",
    from: { path: pathOf(foldersOf(layer)) },
    to: { path: pathOf(LAYERS.slice(0, index + 1).flatMap(foldersOf)), pathNot: pathOf(foldersOf(layer)) },
  }));
  // Folders that share a layer do not import each other (the entry's main.ts starts the rest of it).
  for (const layer of LAYERS.filter((shared) => foldersOf(shared).length > 1)) {
    for (const folder of foldersOf(layer).filter((name) => name !== "main.ts")) {
      const beside = foldersOf(layer).filter((other) => other !== folder);
      rules.push({
        name: `${folder} does not import beside it`,
        comment: `${folder} shares its layer with ${beside.join(", ")}; it imports none of them`,
        severity: "error",
        from: { path: pathOf([folder]) },
        to: { path: pathOf(beside) },
      });
    }
  }
  rules.push({
    name: "no import circle",
    comment: "a file never reaches itself through its imports: split the shared part (its types) into a file both import",
    severity: "error",
    from: {},
    to: { circular: true },
  });
  return rules;
}

export interface LayerViolation {
  rule: string;
  from: string;
  to: string;
  comment: string;
}

/** The imports under `baseDir`/src that break the layer order (type-only imports too). */
export async function layerViolations(baseDir: string): Promise<LayerViolation[]> {
  const rules = layerRules();
  const result = await cruise(["src"], {
    baseDir,
    validate: true,
    ruleSet: { forbidden: rules },
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
  });
  const output = result.output as ICruiseResult;
  const comments = new Map(rules.map((rule) => [rule.name, rule.comment ?? ""]));
  return output.summary.violations.map((violation) => ({ rule: violation.rule.name, from: violation.from, to: violation.to, comment: comments.get(violation.rule.name) ?? "" }));
}
